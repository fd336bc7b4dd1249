"""Rules as written -> one compiled rule set whose term index is shared by every rule.

Every distinct term of every rule gets one id; the index maps a word (or a
word prefix) to the terms that can start there, so matching costs grow with
the text, not with the number of rules.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from warning.rules.model import (
    CauseRule,
    Condition,
    ContextRule,
    Rule,
    is_alternatives,
    terms_for,
)
from warning.rules.regex import RegexSet, RegexTerm, compile_regex
from warning.text import TOKEN, is_number, normalise, plain_word

REGEX = "re:"
VOWELS = set("aeiou")
NUMBER = "{number}"
ARABIC_AND = "و"  # written joined to the next word
ARABIC_CONJUNCTION_MIN = 3


@dataclass(frozen=True, slots=True)
class WordPattern:
    """One word of a term: exact forms (with inflections), a prefix (`displac*`), or any number."""

    forms: frozenset[str] = frozenset()
    prefix: str = ""
    number: bool = False

    def matches(self, word: str) -> bool:
        if self.number:
            return is_number(word)
        if self.prefix:
            return word.startswith(self.prefix)
        return word in self.forms


@dataclass(frozen=True, slots=True)
class AnyOf:
    terms: tuple[int, ...]  # ascending term ids
    members: frozenset[int] = field(init=False)  # the same, to intersect with a sentence's

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", frozenset(self.terms))


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Compiled, ...]


@dataclass(frozen=True, slots=True)
class OneOf:
    """Conditions of which at least one must hold (an `any` that lists conditions)."""

    parts: tuple[Compiled, ...]


@dataclass(frozen=True, slots=True)
class NearTo:
    terms: tuple[int, ...]  # ascending term ids
    within: int
    ordered: bool = False
    members: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", frozenset(self.terms))


@dataclass(frozen=True, slots=True)
class CountOf:
    at_least: int
    within: int


Compiled = AnyOf | AllOf | OneOf | NearTo | CountOf


@dataclass(frozen=True)
class CompiledRule:
    id: str
    signal: str
    description: str
    weight: float
    condition: Compiled
    exclusions: frozenset[int]  # `none` terms
    where: str  # file:line:col of the rule, for messages
    scope: str = "sentence"
    threshold: float = 0.0  # the matched distinct terms must weigh this much together
    term_weights: dict[int, float] = field(default_factory=dict)  # term id -> weight (else 1)
    terms: frozenset[int] = frozenset()  # every positive term of the rule
    # Term groups of which a sentence must hold one term each for the rule to match, less
    # those its anchor term already satisfies (the rule is looked up by it): a set test
    # that skips most full evaluations.
    required: tuple[frozenset[int], ...] = ()
    vetoes: tuple[Compiled, ...] = ()  # `none` conditions

    def may_match(self, present: set[int]) -> bool:
        for group in self.required:  # noqa: SIM110 (a loop: no generator on the hot path)
            if group.isdisjoint(present):
                return False
        return True


@dataclass(frozen=True, slots=True)
class CompiledContext:
    id: str
    description: str
    condition: Compiled
    signals: frozenset[str]  # empty: every signal
    factor: float
    where: str
    lead: bool = False  # holds in the report's lead, and weakens the whole report
    unless: frozenset[int] = frozenset()  # terms that stop it in a sentence

    def applies_to(self, signal: str) -> bool:
        return not self.signals or signal in self.signals


@dataclass(frozen=True, slots=True)
class CompiledCause:
    id: str  # "<signal>.cause.<cause>": how its tests and errors name it
    signal: str
    cause: str
    condition: Compiled
    where: str


@dataclass
class RuleSet:
    """Everything the matcher needs for one language: terms, their index, the rules."""

    terms: list[tuple[WordPattern, ...]] = field(default_factory=list)
    term_text: list[str] = field(default_factory=list)
    by_word: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_prefix: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    prefix_lengths: tuple[int, ...] = ()
    on_number: list[int] = field(default_factory=list)
    rules: list[CompiledRule] = field(default_factory=list)
    rules_by_term: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    contexts: list[CompiledContext] = field(default_factory=list)
    causes: list[CompiledCause] = field(default_factory=list)
    # term -> the contexts (causes) whose first condition holds it, by position: one of
    # them must be in a sentence for the context to hold there (as for rules_by_term)
    contexts_by_term: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    causes_by_term: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    # rules with scope: report, by the terms of their first condition (in any sentence)
    report_rules_by_term: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    signals: set[str] = field(default_factory=set)  # the signals of `rules`
    regexes: list[RegexTerm] = field(default_factory=list)
    counts: bool = False  # some rule has a `count` condition: numbers must be read
    language: str = "en"
    # word -> (one-word terms, phrases) starting with it: the matcher's memo
    starts_cache: dict[str, tuple] = field(default_factory=dict)
    # the terms a word may start (ids, in order) -> that memo's entry, shared by such words
    starts_by_terms: dict[tuple[int, ...], tuple] = field(default_factory=dict)
    _ids: dict[str, int] = field(default_factory=dict)
    _regex_set: RegexSet | None = None

    def regex_set(self) -> RegexSet:
        """The `re:` terms indexed for matching (built on first use after a term was added)."""
        if self._regex_set is None:
            self._regex_set = RegexSet(self.regexes)
        return self._regex_set

    def term_id(self, term: str) -> int:
        stripped = term.strip()
        key = stripped if stripped.startswith(REGEX) else " ".join(normalise(term).lower().split())
        if key not in self._ids:
            self._ids[key] = len(self.terms)
            self.term_text.append(key)
            if key.startswith(REGEX):
                self.terms.append(())
                self.regexes.append(compile_regex(self._ids[key], key[len(REGEX) :]))
                self._regex_set = None
            else:
                words = compile_term(key, english=self.language == "en")
                self.terms.append(words)
                self._index(self._ids[key], words[0])
            self.starts_cache.clear()
            self.starts_by_terms.clear()
        return self._ids[key]

    def _known_id(self, term: str) -> int:
        """The id of a term already compiled, else -1 (weights name terms of the rule)."""
        stripped = term.strip()
        key = stripped if stripped.startswith(REGEX) else " ".join(normalise(term).lower().split())
        return self._ids.get(key, -1)

    def _index(self, term: int, first: WordPattern) -> None:
        if first.number:
            self.on_number.append(term)
        elif first.prefix:
            for prefix in self._with_conjunction(first.prefix):
                self.by_prefix[prefix].append(term)
            self.prefix_lengths = tuple(sorted({len(p) for p in self.by_prefix}))
        else:
            for form in first.forms:
                for word in self._with_conjunction(form):
                    self.by_word[word].append(term)

    def _with_conjunction(self, word: str) -> tuple[str, ...]:
        """Arabic writes "and" as a prefix: a term that begins with `word` also begins with
        "و" + `word` ("والناس" for "الناس"). Not for words under three letters, where the
        prefixed form is often another word ("فر" fled, "وفر" provided)."""
        if self.language == "ar" and len(word) >= ARABIC_CONJUNCTION_MIN:
            return (word, ARABIC_AND + word)
        return (word,)

    def add_rule(self, rule: Rule, signal: str, where: str) -> bool:
        """Compile `rule` for this set's language; False if it has no terms in that language."""
        condition = self._compile(rule.condition, first=True)
        if condition is None:
            return False
        index = len(self.rules)
        vetoes = self._vetoes(rule)
        if vetoes is None:
            return False
        none_terms = [] if is_alternatives(rule.none) else terms_for(rule.none, self.language)
        exclusions = frozenset(self.term_id(t) for t in none_terms or [])
        positive = frozenset(positive_terms(condition))
        weights = {
            self._known_id(t): w for t, w in rule.weights.items() if self._known_id(t) in positive
        }
        self.rules.append(
            CompiledRule(
                rule.id,
                signal,
                rule.description,
                rule.weight,
                condition,
                exclusions,
                where,
                rule.scope,
                rule.threshold,
                weights,
                positive,
                implied_groups(condition),
                vetoes,
            )
        )
        self.signals.add(signal)
        if rule.scope == "report":
            _index_anchors(self.report_rules_by_term, index, condition)
            return True
        _index_anchors(self.rules_by_term, index, condition)
        return True

    def add_context(self, context: ContextRule, where: str) -> bool:
        """Compile a context rule for this set's language; False if it has no terms in it."""
        condition = self._compile(context.condition, first=True)
        if condition is None:
            return False
        signals = frozenset(context.signals)
        _index_anchors(self.contexts_by_term, len(self.contexts), condition)
        self.contexts.append(
            CompiledContext(
                context.id,
                context.description,
                condition,
                signals,
                context.factor,
                where,
                context.scope == "lead",
                frozenset(self.term_id(t) for t in terms_for(context.unless, self.language) or []),
            )
        )
        return True

    def add_cause(self, cause: CauseRule, signal: str, where: str) -> bool:
        """Compile a cause of `signal` for this set's language; False if it has no terms."""
        condition = self._compile(cause.condition, first=True)
        if condition is None:
            return False
        ident = f"{signal}.cause.{cause.cause}"
        _index_anchors(self.causes_by_term, len(self.causes), condition)
        self.causes.append(CompiledCause(ident, signal, cause.cause, condition, where))
        return True

    def _vetoes(self, rule: Rule) -> tuple[Compiled, ...] | None:
        """The rule's `none` conditions (each may be relative to what the rule matched), or
        None when one has no terms in this language."""
        if not is_alternatives(rule.none):
            return ()
        vetoes = tuple(self._compile(veto, first=False) for veto in rule.none)
        return None if any(veto is None for veto in vetoes) else vetoes

    def _compile(self, condition: Condition, first: bool) -> Compiled | None:
        """The compiled condition, or None when a part has no terms in this language."""
        relative = "near" if condition.near is not None else "count" if condition.count else ""
        if relative and first:
            raise ValueError(f"'{relative}' must follow another condition inside the same 'all'")
        if condition.count is not None:
            self.counts = True
            return CountOf(condition.count.at_least, condition.count.within)
        if is_alternatives(condition.any):
            parts = [self._compile(part, first) for part in condition.any]
            return None if any(p is None for p in parts) else OneOf(tuple(parts))
        if condition.any is not None or condition.near is not None:
            near = condition.near
            terms = terms_for(condition.any if near is None else near.any, self.language)
            if not terms:
                return None
            ids = tuple(sorted({self.term_id(term) for term in terms}))
            return AnyOf(ids) if near is None else NearTo(ids, near.within, near.order)
        parts = [self._compile(part, first=i == 0) for i, part in enumerate(condition.all or [])]
        return None if any(p is None for p in parts) else AllOf(tuple(parts))


def _index_anchors(index: dict[int, list[int]], position: int, condition: Compiled) -> None:
    """List `position` under each anchor term of `condition`: it cannot hold without one."""
    for term in anchor_terms(condition):
        if position not in index[term]:
            index[term].append(position)


def positive_terms(condition: Compiled) -> list[int]:
    if isinstance(condition, AllOf | OneOf):
        return [t for part in condition.parts for t in positive_terms(part)]
    return [] if isinstance(condition, CountOf) else list(condition.terms)


def required_groups(condition: Compiled) -> tuple[frozenset[int], ...]:
    """Term groups of which a sentence must hold one term each for `condition` to hold."""
    if isinstance(condition, AllOf):
        return tuple(group for part in condition.parts for group in required_groups(part))
    if isinstance(condition, OneOf):  # one term of some alternative, unless one needs none
        alternatives = [positive_terms(part) for part in condition.parts]
        return () if not all(alternatives) else (frozenset(t for a in alternatives for t in a),)
    return () if isinstance(condition, CountOf) else (frozenset(condition.terms),)


def implied_groups(condition: Compiled) -> tuple[frozenset[int], ...]:
    """The required groups that an anchor term's presence does not already satisfy."""
    anchors = set(anchor_terms(condition))
    return tuple(group for group in required_groups(condition) if not anchors <= group)


def anchor_terms(condition: Compiled) -> tuple[int, ...]:
    """Terms of the first condition: one of them must match for the rule to match at all."""
    while isinstance(condition, AllOf):
        condition = condition.parts[0]
    if isinstance(condition, OneOf):
        return tuple(dict.fromkeys(t for part in condition.parts for t in anchor_terms(part)))
    return condition.terms if isinstance(condition, AnyOf) else ()


def compile_term(term: str, english: bool = True) -> tuple[WordPattern, ...]:
    """'cut off from' -> three exact words; 'displac*' -> a prefix; '{number}' -> any number."""
    patterns: list[WordPattern] = []
    for piece in term.split():
        if piece == NUMBER:
            patterns.append(WordPattern(number=True))
            continue
        if "*" in piece[:-1]:
            raise ValueError(f"term '{term}': '*' may only end a word ('{piece}')")
        words = [plain_word(word) for word in TOKEN.findall(piece)]
        if not words:
            raise ValueError(f"term '{term}' has no words in '{piece}'")
        for i, word in enumerate(words):
            is_last = i == len(words) - 1
            if is_last and piece.endswith("*"):
                patterns.append(WordPattern(prefix=word))
            else:
                forms = inflections(word) if english else frozenset({word})
                patterns.append(WordPattern(forms=forms))
    return tuple(patterns)


def inflections(word: str) -> frozenset[str]:
    """English regular forms of `word`: besiege -> besieges, besieged, besieging."""
    if len(word) < 3 or not word.isascii() or not word.isalpha():
        return frozenset({word})
    forms = {word}
    if word.endswith(("ee", "ye", "oe")):
        forms |= {word + "s", word + "d", word + "ing"}  # flee -> fleeing, not "fleing"
    elif word.endswith("e"):
        forms |= {word + "s", word + "d", word[:-1] + "ing"}
    elif word.endswith("y") and word[-2] not in VOWELS:
        forms |= {word[:-1] + "ies", word[:-1] + "ied", word + "ing"}
    elif word.endswith(("s", "x", "z", "ch", "sh")):
        forms |= {word + "es", word + "ed", word + "ing"}
    else:
        forms |= {word + "s", word + "ed", word + "ing"}
        if _short_cvc(word):
            forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    return frozenset(forms)


def _short_cvc(word: str) -> bool:
    """cut -> cutting, shell -> no: one syllable ending consonant-vowel-consonant."""
    a, b, c = word[-3], word[-2], word[-1]
    syllables = sum(1 for ch in word if ch in VOWELS)
    return syllables == 1 and a not in VOWELS and b in VOWELS and c not in VOWELS | set("wxy")
