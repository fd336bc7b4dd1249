"""Load a folder of rule files into one RuleSet, and run the tests written beside each rule."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from warning.rules.compiler import RuleSet, Signal
from warning.rules.matcher import match_rules
from warning.rules.model import SeverityFile, SignalFile
from warning.text import split_sentences, tokenize
from warning.yamlio import InputError, Located, load_yaml, validate

SHIPPED = Path(__file__).resolve().parent.parent / "packs" / "rules"


@dataclass(frozen=True)
class RuleTest:
    rule: str
    text: str
    should_match: bool
    where: str


@dataclass(frozen=True)
class RulePack:
    rules: RuleSet
    tests: tuple[RuleTest, ...]
    files: tuple[Path, ...]


def load_pack(folder: Path | None = None) -> RulePack:
    """Every `*.yaml` in `folder` (default: the shipped pack); InputError lists every problem."""
    folder = folder or SHIPPED
    files = tuple(sorted(folder.glob("*.yaml")))
    if not files:
        raise InputError([f"{folder}: no rule files (*.yaml) found"])
    rules, tests, errors = RuleSet(), [], []
    severity_docs: list[tuple[Located, SeverityFile]] = []
    for path in files:
        try:
            doc = load_yaml(path)
            if isinstance(doc.data, dict) and "severity" in doc.data:
                severity_docs.append((doc, validate(doc, SeverityFile)))
            else:
                tests.extend(_add_signal_file(rules, doc, validate(doc, SignalFile)))
        except InputError as exc:
            errors.extend(exc.messages)
    for doc, severity in severity_docs:
        errors.extend(_check_severity(doc, severity, rules))
        rules.severity.extend(severity.severity)
    if not rules.severity and not errors:
        errors.append(f"{folder}: no severity file (a YAML file with a top-level 'severity' list)")
    if errors:
        raise InputError(errors)
    return RulePack(rules, tuple(tests), files)


def _add_signal_file(rules: RuleSet, doc: Located, pack: SignalFile) -> list[RuleTest]:
    if pack.signal in rules.signals:
        raise InputError([f"{doc.where(('signal',))}: signal '{pack.signal}' is defined twice"])
    rules.signals[pack.signal] = Signal(pack.signal, pack.description, tuple(pack.indicators))
    known = {rule.id for rule in rules.rules}
    errors, tests = [], []
    for i, rule in enumerate(pack.rules):
        where = doc.where(("rules", i))
        if rule.id in known:
            errors.append(f"{where}: duplicate rule id '{rule.id}'")
            continue
        known.add(rule.id)
        try:
            rules.add_rule(rule, pack.signal, where)
        except ValueError as exc:
            errors.append(f"{where}: rule {rule.id}: {exc}")
            continue
        for key, expected in (("match", True), ("no_match", False)):
            for j, text in enumerate(getattr(rule.tests, key)):
                place = doc.where(("rules", i, "tests", key, j))
                tests.append(RuleTest(rule.id, text, expected, place))
    if errors:
        raise InputError(errors)
    return tests


def _check_severity(doc: Located, severity: SeverityFile, rules: RuleSet) -> list[str]:
    errors = []
    for i, entry in enumerate(severity.severity):
        for key in ("all", "any"):
            for j, name in enumerate(getattr(entry.when, key)):
                if name not in rules.signals:
                    known = ", ".join(sorted(rules.signals))
                    where = doc.where(("severity", i, "when", key, j))
                    errors.append(f"{where}: unknown signal '{name}' (known: {known})")
    return errors


def matching_rules(rules: RuleSet, text: str) -> set[str]:
    sentences = split_sentences(text)
    return {m.rule.id for m in match_rules(rules, tokenize(text, sentences))}


def run_tests(pack: RulePack) -> list[str]:
    """One message per failed rule test: where, which rule, which text, what went wrong."""
    failures = []
    for test in pack.tests:
        fired = matching_rules(pack.rules, test.text)
        if test.should_match and test.rule not in fired:
            failures.append(f"{test.where}: rule {test.rule} did not match: {test.text!r}")
        elif not test.should_match and test.rule in fired:
            failures.append(f"{test.where}: rule {test.rule} matched but must not: {test.text!r}")
    return failures
