"""Score one report: rules + classifier -> signals, severity, evidence, places. Pure.

Per signal: rules give 1 - prod(1 - weight) over the distinct rules that matched; the
classifier's probability p (from its surest sentence) lifts that to
1 - (1 - rules) * (1 - k * p), k = classifier weight. A signal fires at >= threshold.
Severity comes from the severity rules over the fired signals.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from warning.language import detect_many
from warning.levels import Severity
from warning.places import Gazetteer, MainPlace, Place, main_place
from warning.quantities import values_at
from warning.rules.matcher import (
    Holding,
    RuleMatch,
    cause_sentences,
    context_factors,
    find_terms,
    match_rules,
)
from warning.rules.pack import RulePack
from warning.text import Sentence, Tokens, split_sentences, tokenize
from warning.votes import NO_VOTE, Factors, SentenceVote

if TYPE_CHECKING:
    from warning.classifier import SignalClassifier

# The classifier and py3langid read up to this much text of several reports at once: as
# much as one report at the default max_chars, whose reading bounds the memory anyway. Five
# times 200,000 characters cost more: 1,024 reports of 1 KB, 0.54 -> 0.50 s/MB
# (bench/linear_bench.py, comma-joined shape).
BATCH_CHARS = 1_000_000


@dataclass(frozen=True, slots=True)
class Hit:
    rule: str
    quote: str  # the whole sentence, as it stands in the text
    start: int  # offsets of the quote in the text
    end: int
    terms: tuple[str, ...]  # the words that matched, as written
    figures: tuple[int, ...] = ()  # numbers among them, read as values: "tens of thousands" 20000


@dataclass(frozen=True, slots=True)
class SignalResult:
    name: str
    score: float
    rules: float
    classifier: float
    classifier_quote: str
    indicators: tuple[str, ...]
    hits: tuple[Hit, ...]
    cause: str = ""  # for signals whose file lists causes: one of them, or "unknown"


class SignalScore(NamedTuple):
    """A signal's score whether it fired or not (for measuring: `warning eval`); made for
    every signal of every report: a tuple costs a third of a frozen dataclass."""

    name: str
    score: float
    rules: float
    classifier: float


@dataclass(frozen=True)
class Assessment:
    severity: Severity
    why: str
    signals: tuple[SignalResult, ...]  # only the signals that fired, strongest first
    places: tuple[Place, ...]
    main: MainPlace  # the main place; its label reads "Syria (Aleppo / Tal Rifaat)"
    language: str
    notes: tuple[str, ...] = ()  # what the reader should know of how it was scored
    scores: tuple[SignalScore, ...] = ()  # every signal of the rule pack, fired or not
    lead: str = ""  # the strongest signal the severity rule names: messages lead with it

    @property
    def place(self) -> str:
        return self.main.label

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "why": self.why,
            "place": self.place,
            "country": self.main.country,
            "lead": self.lead,
            "main": {
                "regions": list(self.main.regions),
                "towns": [t for t in self.main.towns if t not in self.main.regions],
            },
            "signals": [_signal_json(s) for s in self.signals],
            "places": [
                {
                    "name": p.name,
                    "country": p.country,
                    "kind": p.kind,
                    "lat": p.lat,
                    "lon": p.lon,
                    "mentions": p.mentions,
                }
                for p in self.places
            ],
            "language": self.language,
            "notes": list(self.notes),
            "scores": {
                s.name: {"score": s.score, "rules": s.rules, "classifier": s.classifier}
                for s in self.scores
            },
        }


def lead_of(scored: Mapping[str, Any]) -> tuple[str, str]:
    """From a stored assessment (`to_json`): the signal that set the severity (`lead`; else
    the strongest, the first) and its best quote: the first sentence a rule fired on, else
    the classifier's surest sentence. ("", "") when nothing fired."""
    signals = scored.get("signals", [])
    if not signals:
        return "", ""
    first = next((s for s in signals if s["name"] == scored.get("lead")), signals[0])
    quote = first["hits"][0]["quote"] if first["hits"] else first.get("classifier_quote", "")
    return first["name"], quote


def _signal_json(signal: SignalResult) -> dict[str, Any]:
    return {
        "name": signal.name,
        "score": signal.score,
        "rules": signal.rules,
        "classifier": signal.classifier,
        "classifier_quote": signal.classifier_quote,
        "indicators": list(signal.indicators),
        "cause": signal.cause,
        "hits": [
            {
                "rule": h.rule,
                "quote": h.quote,
                "start": h.start,
                "end": h.end,
                "terms": list(h.terms),
                "figures": list(h.figures),
            }
            for h in signal.hits
        ],
    }


@dataclass(frozen=True, slots=True)
class _Reading:
    """What scoring reads of one text before the classifier votes."""

    text: str  # as scored (bounded to max_chars)
    notes: tuple[str, ...]
    sentences: list[Sentence]
    tokens: Tokens
    language: str
    matches: list[RuleMatch]
    factors: Factors  # context factors per sentence, for the classifier
    causes: dict[str, dict[str, set[int]]]  # signal -> cause -> sentences naming it

    @property
    def sentence_texts(self) -> list[str]:
        return [s.text for s in self.sentences]


@dataclass(frozen=True)
class Scorer:
    rules: RulePack
    classifier: SignalClassifier | None
    gazetteer: Gazetteer | None
    threshold: float = 0.5
    classifier_weight: float = 0.55
    # per signal, from the thresholds chosen on tune (card.py); others take classifier_weight
    classifier_weights: dict[str, float] = field(default_factory=dict)
    max_chars: int = 1_000_000  # a longer text is scored on its beginning, and says so
    _severities: dict[frozenset[str], tuple[Severity, str]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def score(self, text: str) -> Assessment:
        return next(self.score_many([text]))

    def score_many(self, texts: Sequence[str]) -> Iterator[Assessment]:
        """The assessments of `texts`, in order, each as `score` gives it; the classifier
        reads up to BATCH_CHARS of them in one call (its set-up costs more than the reading
        on a short report), and each run's assessments come as soon as it is scored."""
        for batch in _batches(texts, BATCH_CHARS):
            readings = self._read_many(batch)
            votes = (
                self.classifier.votes_many([(r.sentence_texts, r.factors) for r in readings])
                if self.classifier
                else [{}] * len(readings)
            )
            yield from map(self._assess, readings, votes)

    def score_apart(self, texts: Sequence[str]) -> list[Assessment | Exception]:
        """Each text's assessment, as `score_many` gives it; where scoring fails (a bug),
        the exception that text raises scored alone: one bad text costs only itself, not
        the texts scored with it."""
        try:
            return list(self.score_many(texts))
        except Exception as exc:
            if len(texts) == 1:
                return [exc]
            return [found for text in texts for found in self.score_apart([text])]

    def _read_many(self, texts: Sequence[str]) -> list[_Reading]:
        """Each text split, its language found (py3langid once for the batch), its rules
        matched."""
        parts = []
        for text in texts:
            text, notes = _bounded(text, self.max_chars)
            sentences = split_sentences(text)
            parts.append((text, notes, sentences, tokenize(text, sentences)))
        languages = detect_many([(tokens.words, text) for text, _, _, tokens in parts])
        return [
            self._read(*part, language) for part, language in zip(parts, languages, strict=True)
        ]

    def _read(
        self,
        text: str,
        notes: tuple[str, ...],
        sentences: list[Sentence],
        tokens: Tokens,
        language: str,
    ) -> _Reading:
        rules = self.rules.rules_for(language)
        found = find_terms(rules, tokens)
        holding = Holding(rules, found)
        matches = match_rules(rules, tokens, found, holding)
        factors = context_factors(rules, holding, len(sentences)) if self.classifier else {}
        causes = cause_sentences(rules, found)
        return _Reading(text, notes, sentences, tokens, language, matches, factors, causes)

    def _assess(self, reading: _Reading, votes: dict[str, SentenceVote]) -> Assessment:
        text, sentences = reading.text, reading.sentences
        signals, scores = self._signals(reading, votes)
        fired = {s.name for s in signals}
        severity, why, named = self._severity(fired)
        # the strongest of the signals the deciding severity rule names: messages lead with it
        lead = next((s.name for s in signals if s.name in named), "")
        index_of = {sentence.start: i for i, sentence in enumerate(sentences)}
        evidence = {index_of[h.start] for s in signals for h in s.hits}
        places = (
            self.gazetteer.find(text, [(s.start, s.end) for s in sentences], evidence)
            if self.gazetteer
            else []
        )
        main = main_place(places)
        return Assessment(
            severity, why, signals, tuple(places), main, reading.language, reading.notes, scores,
            lead,
        )  # fmt: skip

    def _signals(
        self, reading: _Reading, votes: dict[str, SentenceVote]
    ) -> tuple[tuple[SignalResult, ...], tuple[SignalScore, ...]]:
        """The signals that fired, strongest first, and every signal's score."""
        results, scores = [], []
        numbers: dict[int, int] = {}  # token -> the number read there, for every signal's hits
        by_signal: dict[str, list[RuleMatch]] = {}
        for match in reading.matches:
            if match.factor > 0:
                by_signal.setdefault(match.rule.signal, []).append(match)
        for name, signal in self.rules.signals.items():
            own, vote = by_signal.get(name, []), votes.get(name, NO_VOTE)
            if not own and not vote.probability:  # nothing for it: score 0 (threshold > 0)
                scores.append(_nothing(name))
                continue
            rule_score = _rule_score(own) if own else 0.0
            weight = self.classifier_weights.get(name, self.classifier_weight)
            score = combined(rule_score, weight, vote.probability)
            shown = round(rule_score, 4) if own else 0.0
            scores.append(SignalScore(name, round(score, 4), shown, vote.probability))
            if score >= self.threshold:
                sentences = reading.sentences
                quote = sentences[vote.sentence].text if vote.sentence >= 0 else ""
                hits = _hits(reading.text, sentences, reading.tokens, own, numbers)
                evidence = {m.sentence for m in own} | ({vote.sentence} - {-1})
                results.append(
                    SignalResult(
                        name,
                        round(score, 4),
                        round(rule_score, 4),
                        vote.probability,
                        quote,
                        signal.indicators,
                        hits,
                        _cause(reading.causes.get(name, {}), evidence) if signal.causes else "",
                    )
                )
        results.sort(key=lambda s: (-s.score, s.name))
        return tuple(results), tuple(scores)

    def _severity(self, fired: set[str]) -> tuple[Severity, str, frozenset[str]]:
        """The severity, its reason, and the fired signals its rule names (all of them for a
        rule that only counts)."""
        key = frozenset(fired)  # a few sets of signals recur: each is read once
        if key not in self._severities:
            best, why, named = Severity.none, "", key
            for entry in self.rules.severity:
                if entry.level.rank > best.rank and entry.when.holds(fired):
                    best, why = entry.level, entry.why
                    named = (frozenset(entry.when.all) | frozenset(entry.when.any)) & key or key
            self._severities[key] = (best, why, named)
        return self._severities[key]


def unscorable(error: Exception) -> Assessment:
    """What a report whose scoring failed (a bug) is recorded as: no signal, and a note
    naming the error."""
    note = f"scoring failed: {type(error).__name__}: {error}"[:500]
    return Assessment(Severity.none, "", (), (), MainPlace(), "und", (note,))


@cache
def _nothing(signal: str) -> SignalScore:
    """The score of a signal nothing was read for (one object per signal: most reports)."""
    return SignalScore(signal, 0.0, 0.0, 0.0)


def _rule_score(matches: list[RuleMatch]) -> float:
    """A signal's rules' score: each rule counts once, at its strongest match, and the
    rules combine as independent evidence (1 - product of 1 - weight). Where context rules
    weaken a sentence, the factor weakens the evidence of all its rules together, not each
    rule's: five rules reading one remembered massacre are one weakened reading, not five
    (weakened one by one, they would add up to an alert again)."""
    strongest: dict[str, RuleMatch] = {}
    for match in matches:
        best = strongest.get(match.rule.id)
        if best is None or match.weight > best.weight:
            strongest[match.rule.id] = match
    groups: dict[tuple[int, float], float] = {}  # (sentence, factor) -> product of 1 - weight
    for match in strongest.values():
        key = (match.sentence, match.factor)
        groups[key] = groups.get(key, 1.0) * (1.0 - match.rule.weight)
    missing = 1.0
    for (_, factor), unmet in groups.items():  # factor 1: the product itself
        missing *= 1.0 - factor * (1.0 - unmet)
    return 1.0 - missing


def _hits(
    text: str,
    sentences: list[Sentence],
    tokens: Tokens,
    matches: list[RuleMatch],
    numbers: dict[int, int],
) -> tuple[Hit, ...]:
    """One hit per rule and distinct sentence (repeated captions quote once), strongest rule
    first, then in reading order. `numbers`: see `values_at`."""
    seen: set[tuple[str, str]] = set()
    hits = []
    for match in sorted(matches, key=lambda m: (-m.rule.weight, m.sentence, m.rule.id)):
        sentence = sentences[match.sentence]
        if (match.rule.id, sentence.text) in seen:
            continue
        seen.add((match.rule.id, sentence.text))
        terms = tuple(text[tokens.starts[a] : tokens.ends[b - 1]] for a, b in match.spans)
        figures = values_at(tokens, [start for start, _ in match.spans], numbers)
        hits.append(Hit(match.rule.id, sentence.text, sentence.start, sentence.end, terms, figures))
    return tuple(hits)


def _batches(texts: Sequence[str], limit: int) -> Iterator[Sequence[str]]:
    """`texts` in consecutive runs of at most `limit` characters (a longer text alone)."""
    start, size = 0, 0
    for end, text in enumerate(texts):
        if size and size + len(text) > limit:
            yield texts[start:end]
            start, size = end, 0
        size += len(text)
    if start < len(texts):
        yield texts[start:]


def combined(rules: float, weight: float, probability: float) -> float:
    """A signal's score: the rules' score lifted by the classifier's probability at `weight`."""
    return 1.0 - (1.0 - rules) * (1.0 - weight * probability)


def _cause(found: dict[str, set[int]], evidence: set[int]) -> str:
    """The cause named in most evidence sentences, else in most sentences of the report;
    "unknown" when none is named or two are named as often."""
    counts = {cause: len(where & evidence) for cause, where in found.items() if where & evidence}
    counts = counts or {cause: len(where) for cause, where in found.items()}
    top = sorted(counts.values(), reverse=True)
    if not top or (len(top) > 1 and top[0] == top[1]):
        return "unknown"
    return max(counts, key=counts.__getitem__)


def _bounded(text: str, max_chars: int) -> tuple[str, tuple[str, ...]]:
    """`text`, or its first `max_chars` characters cut at a space, with a note saying so:
    scoring time grows with length, and one report must not hold the worker for long."""
    if len(text) <= max_chars:
        return text, ()
    space = text.rfind(" ", max_chars - 200, max_chars)
    kept = text[: space if space > 0 else max_chars]
    note = f"scored the first {len(kept):,} of {len(text):,} characters (the text is longer)"
    return kept, (note,)
