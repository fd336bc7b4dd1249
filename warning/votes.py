"""What the signal classifier says about one report, as the scorer reads it: kept apart from
warning/classifier.py so that reading scores (the store, the CLI, the daemon's sender) does
not import scikit-learn, which costs about two seconds at every start."""

from __future__ import annotations

from typing import NamedTuple


class SentenceVote(NamedTuple):
    """Made for every signal of every report: a tuple costs a third of a frozen dataclass."""

    probability: float
    sentence: int  # index of the sentence the classifier was surest about


NO_VOTE = SentenceVote(0.0, -1)  # nothing read: no probability, no sentence


Factors = dict[int, dict[str, float]]  # sentence index -> signal -> factor
