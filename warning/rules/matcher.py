"""Run a compiled rule set over a text: which rules matched, in which sentence, on which words.

Pure: same tokens, same rule set -> same matches.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import accumulate

from warning.quantities import quantities
from warning.rules.compiler import (
    AllOf,
    AnyOf,
    Compiled,
    CompiledContext,
    CompiledRule,
    CountOf,
    NearTo,
    OneOf,
    RuleSet,
)
from warning.text import Tokens, is_number

# words whose terms are remembered, per language: about 100 bytes each (the words share
# their entries); the first 50,000 distinct words met, the common ones among them, and a
# word met later is looked up again each time (2 to 3 microseconds)
STARTS_CACHE_SIZE = 50_000
LEAD = 2  # sentences: a report's lead, where a `scope: lead` context must hold
Span = tuple[int, int]  # token indices [start, end)


@dataclass(frozen=True, slots=True)
class Phrases:
    """Phrases starting with one word, by their second word where it is an exact word (most
    phrases: "in the", "no access"), and the others (a prefix or a number second)."""

    by_second: dict[str, tuple[int, ...]]
    others: tuple[int, ...]


Starting = tuple[tuple[int, ...], Phrases | None]  # one-word terms, phrases
NOTHING: Starting = ((), None)


@dataclass(frozen=True, slots=True)
class RuleMatch:
    rule: CompiledRule
    sentence: int
    spans: tuple[Span, ...]
    factor: float = 1.0  # from context rules; 0 means cancelled
    contexts: tuple[str, ...] = ()  # ids of the context rules that weakened or cancelled it
    excluded_by: str = ""  # the rule's own 'none' term (or words) that cancelled it here

    @property
    def weight(self) -> float:
        return self.rule.weight * self.factor


class Hits(defaultdict):
    """Term id -> token spans in one sentence (or a whole report), and the numbers read there."""

    def __init__(self) -> None:
        super().__init__(list)
        self.numbers: dict[Span, int] = {}


def find_terms(rules: RuleSet, tokens: Tokens) -> dict[int, Hits]:
    """Sentence index -> term id -> token spans, for every term occurrence in `tokens`."""
    found: dict[int, Hits] = defaultdict(Hits)
    terms, sentence_of, cache = rules.terms, tokens.sentence_of, rules.starts_cache
    words = tokens.words
    for i, word in enumerate(words):
        starting = cache.get(word)
        if starting is None:
            starting = _starting_at(rules, word)
        if starting is NOTHING:
            continue
        hits = found[sentence_of[i]]
        singles, phrases = starting
        for term in singles:
            hits[term].append((i, i + 1))
        if phrases is None or i + 1 == len(words):
            continue
        for term in (*phrases.by_second.get(words[i + 1], ()), *phrases.others):
            end = _term_end(terms[term], tokens, i)
            if end:
                hits[term].append((i, end))
    for term, (start, end) in rules.regex_set().spans(tokens):
        found[tokens.sentence_of[start]][term].append((start, end))
    if rules.counts:
        for number in quantities(tokens):
            found[tokens.sentence_of[number.start]].numbers[(number.start, number.end)] = (
                number.value
            )
    return found


def _starting_at(rules: RuleSet, word: str) -> Starting:
    """Terms whose first word matches `word`, one-word terms first, then phrases; remembered
    per word (words repeat a lot), but for numbers: each is a word of its own (a report's
    reference, a date, a count), which would only fill the memo. Words that may start the
    same terms share one entry (a Phrases costs about a kilobyte)."""
    candidates = tuple(_candidates(rules, word))
    starting = rules.starts_by_terms.get(candidates)
    if starting is None:
        starting = rules.starts_by_terms[candidates] = (
            (
                tuple(t for t in candidates if len(rules.terms[t]) == 1),
                _phrases(rules, [t for t in candidates if len(rules.terms[t]) > 1]),
            )
            if candidates
            else NOTHING
        )
    if len(rules.starts_cache) < STARTS_CACHE_SIZE and not word[:1].isdecimal():
        rules.starts_cache[word] = starting
    return starting


def _phrases(rules: RuleSet, phrases: list[int]) -> Phrases | None:
    if not phrases:
        return None
    by_second: dict[str, list[int]] = defaultdict(list)
    others = []
    for term in phrases:
        second = rules.terms[term][1]
        if second.prefix or second.number:
            others.append(term)
        for form in second.forms:
            by_second[form].append(term)
    return Phrases({w: tuple(ts) for w, ts in by_second.items()}, tuple(others))


def _candidates(rules: RuleSet, word: str) -> list[int]:
    candidates = rules.by_word.get(word, [])
    by_prefix = rules.by_prefix
    for length in rules.prefix_lengths:
        if length > len(word):
            break
        found = by_prefix.get(word[:length])
        if found:
            candidates = candidates + found
    if rules.on_number and is_number(word):
        candidates = candidates + rules.on_number
    return candidates


def _term_end(patterns: tuple, tokens: Tokens, start: int) -> int:
    """Token index just past the term if the whole term matches at `start`, else 0."""
    end = start + len(patterns)
    words = tokens.words
    if end > len(words) or not patterns[1].matches(words[start + 1]):  # most fail here
        return 0
    for offset in range(2, len(patterns)):
        if not patterns[offset].matches(words[start + offset]):
            return 0
    return end if tokens.sentence_of[end - 1] == tokens.sentence_of[start] else 0


def match_rules(
    rules: RuleSet,
    tokens: Tokens,
    found: dict[int, Hits] | None = None,
    holding: Holding | None = None,
) -> list[RuleMatch]:
    """Every (rule, sentence) that matched, in rule order then sentence order, with the
    context rules of that sentence applied (a cancelled match stays, with factor 0).
    `found`: the text's terms if already found (find_terms)."""
    found = find_terms(rules, tokens) if found is None else found
    holding = holding or Holding(rules, found)
    matches: list[RuleMatch] = []
    all_rules = rules.rules
    for sentence, hits in sorted(found.items()):
        present = set(hits)
        for index in _anchored(rules.rules_by_term, present):
            rule = all_rules[index]
            if not rule.may_match(present):
                continue
            spans = evaluate(rule.condition, hits, [])
            if not spans or not _heavy_enough(rule, hits):
                continue
            match = RuleMatch(rule, sentence, tuple(sorted(set(spans))))
            excluded_by = _excluded_by(rules, rule, hits, spans, tokens)
            if excluded_by:
                matches.append(replace(match, factor=0.0, excluded_by=excluded_by))
                continue
            matches.append(_with_context(match, holding.at(sentence)))
    matches.extend(_report_matches(rules, found, tokens, holding))
    matches.sort(key=lambda m: (m.rule.id, m.sentence))
    return matches


class Holding:
    """The context rules that hold in each sentence of one report: the sentence's own, and
    the lead's (`scope: lead` contexts holding in one of its first LEAD sentences weaken
    every sentence). Each sentence is looked at once, for the rules and the classifier."""

    def __init__(self, rules: RuleSet, found: dict[int, Hits]) -> None:
        self.rules, self.found = rules, found
        in_lead = {p for s in range(LEAD) if s in found for p in self._holding(found[s], True)}
        self.lead = [rules.contexts[position] for position in sorted(in_lead)]
        self._at: dict[int, list[CompiledContext]] = {}

    def at(self, sentence: int) -> list[CompiledContext]:
        if sentence not in self._at:
            hits = self.found.get(sentence)
            own = [self.rules.contexts[p] for p in self._holding(hits, False)]
            self._at[sentence] = own + self.lead if hits else self.lead
        return self._at[sentence]

    def _holding(self, hits: Hits | None, lead: bool) -> list[int]:
        """Positions of the contexts (lead ones or the others) that hold with these hits."""
        contexts = self.rules.contexts
        return [
            position
            for position in _anchored(self.rules.contexts_by_term, hits or ())
            if contexts[position].lead == lead and _context_holds(contexts[position], hits)
        ]


def _anchored(index: dict[int, list[int]], terms: Iterable[int]) -> list[int]:
    """Positions (ascending) of the rules, contexts or causes in `index` with an anchor term
    among `terms`: the only ones that can hold there. A sentence holds a few terms; a rule
    set has dozens of each."""
    return sorted({position for term in terms for position in index.get(term, ())})


def _context_holds(context: CompiledContext, hits: Hits | None) -> bool:
    """Whether `context` holds in a sentence with these hits (none of its `unless` terms)."""
    if not hits or context.unless.intersection(hits):
        return False
    return bool(evaluate(context.condition, hits, []))


def _report_matches(
    rules: RuleSet, found: dict[int, Hits], tokens: Tokens, holding: Holding
) -> list[RuleMatch]:
    """Rules with `scope: report`: their conditions may hold in different sentences; the hit
    quotes the sentence where the first condition matched."""
    candidates = _anchored(rules.report_rules_by_term, {t for hits in found.values() for t in hits})
    if not candidates:  # no report rule's first condition anywhere: nothing to merge
        return []
    merged = Hits()
    for hits in found.values():
        for term, spans in hits.items():
            merged[term].extend(spans)
        merged.numbers.update(hits.numbers)
    matches = []
    for index in candidates:
        rule = rules.rules[index]
        spans = evaluate(rule.condition, merged, [])
        if not spans or not _heavy_enough(rule, merged):
            continue
        if _excluded_by(rules, rule, merged, spans, tokens):
            continue
        sentence = tokens.sentence_of[spans[0][0]]
        match = RuleMatch(rule, sentence, tuple(sorted(set(spans))))
        matches.append(_with_context(match, holding.at(sentence)))
    return matches


def _excluded_by(
    rules: RuleSet, rule: CompiledRule, hits: Hits, spans: list[Span], tokens: Tokens
) -> str:
    """The `none` term, or the words of the `none` condition, that cancel the match; or ''."""
    blocked = rule.exclusions.intersection(hits)
    if blocked:
        return rules.term_text[min(blocked)]
    for veto in rule.vetoes:
        found = evaluate(veto, hits, spans)
        if found:
            start, end = min(found)
            return " ".join(tokens.words[start:end])
    return ""


def _heavy_enough(rule: CompiledRule, hits: Hits) -> bool:
    """Weighted keywords: the rule's distinct terms present must reach its threshold."""
    if not rule.threshold:
        return True
    found = rule.terms.intersection(hits)
    return sum(rule.term_weights.get(term, 1.0) for term in found) >= rule.threshold


def _with_context(match: RuleMatch, contexts: list[CompiledContext]) -> RuleMatch:
    applying = [c for c in contexts if c.applies_to(match.rule.signal)]
    if not applying:
        return match
    factor = 1.0
    for context in applying:
        factor *= context.factor
    return replace(match, factor=factor, contexts=tuple(c.id for c in applying))


def context_factors(
    rules: RuleSet, holding: Holding, sentences: int
) -> dict[int, dict[str, float]]:
    """Sentence index -> signal -> the factor the context rules holding there give it, for
    the sentences some context rule holds in (every one of the `sentences` when a lead
    context holds), so the classifier's votes are weighed as rule hits are. A context
    without `signals` is listed under every signal of the rule set."""
    every = sorted(rules.signals)
    factors: dict[int, dict[str, float]] = {}
    for sentence in range(sentences) if holding.lead else sorted(holding.found):
        for context in holding.at(sentence):
            here = factors.setdefault(sentence, {})
            for signal in sorted(context.signals) or every:
                here[signal] = here.get(signal, 1.0) * context.factor
    return factors


def matching_contexts(rules: RuleSet, tokens: Tokens) -> set[str]:
    """Ids of the context and cause rules that hold in some sentence (a lead context: in the
    lead), for their own tests."""
    found = find_terms(rules, tokens)
    contexts = {
        c.id
        for sentence, hits in found.items()
        for c in rules.contexts
        if _context_holds(c, hits) and not (c.lead and sentence >= LEAD)
    }
    return contexts | {
        c.id for hits in found.values() for c in rules.causes if evaluate(c.condition, hits, [])
    }


def cause_sentences(rules: RuleSet, found: dict[int, Hits]) -> dict[str, dict[str, set[int]]]:
    """Signal -> cause -> the sentences where that cause's words stand."""
    causes: dict[str, dict[str, set[int]]] = {}
    if not rules.causes:
        return causes
    for sentence, hits in found.items():
        for position in _anchored(rules.causes_by_term, hits):
            cause = rules.causes[position]
            if evaluate(cause.condition, hits, []):
                causes.setdefault(cause.signal, {}).setdefault(cause.cause, set()).add(sentence)
    return causes


def evaluate(condition: Compiled, hits: Hits, anchor: list[Span]) -> list[Span] | None:
    """The spans that satisfy `condition` in one sentence, or None if it does not hold."""
    if isinstance(condition, AnyOf):
        spans = [span for term in _present(condition, hits) for span in hits[term]]
        return spans or None
    if isinstance(condition, NearTo):
        near = Anchors(anchor)
        spans = [
            span
            for term in _present(condition, hits)
            for span in hits[term]
            if near.holds(span, condition.within, condition.ordered)
        ]
        return spans or None
    if isinstance(condition, CountOf):
        near = Anchors(anchor)
        spans = [
            span
            for span, value in hits.numbers.items()
            if value >= condition.at_least and near.holds(span, condition.within, False)
        ]
        return spans or None
    if isinstance(condition, OneOf):
        held = [evaluate(part, hits, anchor) for part in condition.parts]
        spans = [span for found in held if found for span in found]
        return spans or None
    return _evaluate_all(condition, hits)


def _present(condition: AnyOf | NearTo, hits: Hits) -> Iterable[int]:
    """The condition's terms found in `hits`, in ascending id order: the condition's list
    is walked when it is the shorter, else the found terms (a sentence holds a few terms,
    a condition up to hundreds)."""
    if len(condition.terms) <= len(hits):
        return [term for term in condition.terms if term in hits]
    return sorted(condition.members.intersection(hits))


class Anchors:
    """The spans a `near` or `count` is measured from. A few are scanned; more are sorted,
    so that asking whether a span lies within N words of any of them is a binary search:
    a report-scope rule over a long report would otherwise cost hits x anchors.

    Unordered: the gap max(s0 - a1, a0 - s1, 0) <= N holds for some anchor a iff one that
    starts at or before s1 + N reaches to s0 - N or beyond (a running maximum of ends).
    Ordered (the span comes after the anchor): some anchor ends in [s0 - N, s0]."""

    __slots__ = ("spans", "starts", "reach", "ends")
    SCAN = 8  # up to this many, a scan is cheaper than building the index (rules_bench)

    def __init__(self, spans: list[Span]):
        self.spans = spans
        if len(spans) > self.SCAN:
            by_start = sorted(spans)
            self.starts = [a for a, _ in by_start]
            self.reach = list(accumulate((b for _, b in by_start), max))
            self.ends = sorted(b for _, b in spans)

    def holds(self, span: Span, within: int, ordered: bool) -> bool:
        start, end = span
        if len(self.spans) <= self.SCAN:
            return any(
                start - b <= within and a - end <= within and (not ordered or start >= b)
                for a, b in self.spans
            )
        if ordered:
            i = bisect_left(self.ends, start - within)
            return i < len(self.ends) and self.ends[i] <= start
        i = bisect_right(self.starts, end + within)
        return i > 0 and self.reach[i - 1] >= start - within


def _evaluate_all(condition: AllOf, hits: Hits) -> list[Span] | None:
    collected: list[Span] = []
    for part in condition.parts:
        spans = evaluate(part, hits, collected)
        if spans is None:
            return None
        collected.extend(spans)
    return collected
