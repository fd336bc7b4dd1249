"""What analysts run on rules: explain one text, lint a pack. Pure functions over a RulePack."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from warning.rules.compiler import AnyOf, CompiledRule, RuleSet, anchor_terms
from warning.rules.matcher import RuleMatch, find_terms, match_rules
from warning.rules.pack import RulePack
from warning.text import Sentence, split_sentences, tokenize

FREQUENT_SHARE = 0.2  # a term in more than this share of neutral reports is noisy


@dataclass(frozen=True)
class Explained:
    """One rule match, ready to print: where, what matched, and what context did to it."""

    rule: str
    signal: str
    weight: float
    factor: float
    cancelled_by: tuple[str, ...]  # context rule ids, or "none: <term>" for the rule's own list
    sentence: Sentence
    spans: tuple[tuple[int, int, str], ...]  # start, end, the words as written


def explain(pack: RulePack, language: str, text: str) -> list[Explained]:
    """Every rule match in `text` (cancelled ones too), in reading order."""
    rules = pack.rules_for(language)
    sentences = split_sentences(text)
    tokens = tokenize(text, sentences)
    matches = sorted(match_rules(rules, tokens), key=lambda m: (m.sentence, m.rule.id))
    return [_explained(m, sentences[m.sentence], tokens, text) for m in matches]


def _explained(match: RuleMatch, sentence: Sentence, tokens, text: str) -> Explained:  # noqa: ANN001
    spans = tuple(
        (tokens.starts[a], tokens.ends[b - 1], text[tokens.starts[a] : tokens.ends[b - 1]])
        for a, b in match.spans
    )
    cancelled_by = (f"none: {match.excluded_by}",) if match.excluded_by else match.contexts
    rule = match.rule
    return Explained(rule.id, rule.signal, rule.weight, match.factor, cancelled_by, sentence, spans)


@dataclass(frozen=True)
class Finding:
    where: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: {self.message}"


def lint(pack: RulePack, neutral: list[str] | None = None) -> list[Finding]:
    """Rules that can never fire, terms a context always cancels, duplicate terms, and
    (given neutral texts) terms that match too often where nothing is happening."""
    findings: list[Finding] = []
    for rules in pack.sets.values():
        for rule in rules.rules:
            findings.extend(_self_cancelling(rules, rule))
            findings.extend(_context_cancelled(rules, rule))
    if neutral:
        findings.extend(_frequent_terms(pack.rules_for("en"), neutral))
    unique = {(f.where, f.rule, f.message): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.where, f.message))


def _self_cancelling(rules: RuleSet, rule: CompiledRule) -> list[Finding]:
    anchor = anchor_terms(rule.condition)
    excluded = [t for t in anchor if t in rule.exclusions]
    if excluded and len(excluded) == len(anchor):
        return [
            Finding(
                rule.where,
                rule.id,
                f"can never fire ({rules.language}): every term of its first "
                "condition is also in its 'none' list",
            )
        ]
    return [
        Finding(
            rule.where,
            rule.id,
            f"term '{rules.term_text[t]}' ({rules.language}) is also in its "
            "'none' list, so it never fires on it",
        )
        for t in excluded
    ]


def _context_cancelled(rules: RuleSet, rule: CompiledRule) -> list[Finding]:
    findings = []
    for context in rules.contexts:
        if (
            context.factor > 0
            or not context.applies_to(rule.signal)
            or not isinstance(context.condition, AnyOf)
        ):
            continue
        for term in set(anchor_terms(rule.condition)) & set(context.condition.terms):
            findings.append(
                Finding(
                    rule.where,
                    rule.id,
                    f"term '{rules.term_text[term]}' "
                    f"({rules.language}) is always cancelled by {context.id}",
                )
            )
    return findings


def _frequent_terms(rules: RuleSet, neutral: list[str]) -> list[Finding]:
    documents: Counter[int] = Counter()
    for text in neutral:
        tokens = tokenize(text, split_sentences(text))
        documents.update({t for hits in find_terms(rules, tokens).values() for t in hits})
    limit = max(1, int(FREQUENT_SHARE * len(neutral)))
    findings = []
    for rule in rules.rules:
        for term in anchor_terms(rule.condition):
            if documents[term] > limit:
                findings.append(
                    Finding(
                        rule.where,
                        rule.id,
                        f"term '{rules.term_text[term]}' is in "
                        f"{documents[term]} of {len(neutral)} neutral reports",
                    )
                )
    return findings


def read_corpus(folder: Path) -> list[str]:
    return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.txt"))]
