"""The language of a report, read from its shared words first.

Function words tell the four languages the rule pack is written in (en, fr, es, ar) apart
in a few microseconds. Only when they do not clearly point to one of them (another
language, a short or odd text) is py3langid asked, on the first LANGUAGE_SAMPLE characters:
its byte-level walk costs about half a millisecond, more than the rest of scoring a short
report. `bench/language_bench.py` measures how often the two agree.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

import py3langid

LANGUAGE_SAMPLE = 400  # characters given to py3langid
WORDS_READ = 60  # the first words of the text are enough
MIN_HITS = 3
MIN_SHARE = 0.15  # of the words read, at least this many must be the winner's
MARGIN = 3.0  # the winner has at least this many times the runner-up's hits

# Words frequent in each language and rare in the others. Words two of them share ("de",
# "la", "que", "en") are left out. The languages after "ar" only guard against deciding
# on a text in a neighbouring language: they send it to py3langid.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    language: frozenset(words.split())
    for language, words in {
        "en": "the of and to is was were are that for on with by from at has have had it"
        " they their been this which said after who will not but",
        "fr": "le les des du et est dans une pour sur au aux par qui ont été sont pas avec"
        " ses leur ce cette il ils elle selon mais ces lors",
        "es": "el los las del y una por con fue han según para se su sus al como está"
        " están pero tras desde entre ha muy hay",
        "ar": "في من على إلى الى عن أن ان التي الذي مع هذا هذه بعد قد كان كانت حيث أو ثم"
        " وقد منذ خلال عدد وفي ومن إن",
        "pt": "não os do da em uma com foi pelo pela são às dos das nos ao seu sua",
        "it": "il della di che è sono nel alla gli non degli delle dei nella anche",
        "de": "der die und das ist nicht mit von zu den ein eine im auf für sich",
        "nl": "het een van niet zijn voor met op dat deze",
        "ht": "nou yo pa ki nan mwen li gen pou fè moun sou ak",
    }.items()
}
DECIDED = ("en", "fr", "es", "ar")
# py3langid calls a short Spanish text Galician or Aragonese now and then: read it as Spanish
# (the rule pack has no lists of their own for them)
READ_AS = {"gl": "es", "an": "es"}
LANGUAGES_OF: dict[str, tuple[str, ...]] = {
    word: tuple(language for language, words in FUNCTION_WORDS.items() if word in words)
    for word in frozenset().union(*FUNCTION_WORDS.values())
}


def detect(words: tuple[str, ...], text: str) -> str:
    """ISO 639-1 code of the language of `text`, whose lower-cased words are `words`."""
    return decided(words) or _py3langid(text)


def decided(words: tuple[str, ...]) -> str | None:
    """The language the function words clearly point to, or None."""
    sample = words[:WORDS_READ]
    counts = Counter(chain.from_iterable([LANGUAGES_OF.get(word, ()) for word in sample]))
    if not counts:
        return None
    (winner, best), *rest = counts.most_common(2)
    second = rest[0][1] if rest else 0
    share = max(MIN_HITS, MIN_SHARE * len(sample))
    return winner if winner in DECIDED and best >= share and best >= MARGIN * second else None


def _py3langid(text: str) -> str:
    sample = text[:LANGUAGE_SAMPLE].strip()
    if not sample:
        return "und"  # undetermined
    language = py3langid.classify(sample)[0]
    return READ_AS.get(language, language)
