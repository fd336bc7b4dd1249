"""Load a folder of rule files into a RulePack (one compiled RuleSet per language), and run
the tests written beside each rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from warning.rules.compiler import RuleSet
from warning.rules.matcher import match_rules, matching_contexts
from warning.rules.model import ContextFile, SeverityFile, SeverityRule, SignalFile, languages_of
from warning.text import split_sentences, tokenize
from warning.warmcache import cache_folder, files_digest, load_or_build
from warning.yamlio import InputError, Located, load_yaml, validate

SHIPPED = (Path(__file__).parent.parent / "packs" / "rules").resolve()  # follows the link
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Signal:
    name: str
    description: str
    indicators: tuple[str, ...]
    causes: tuple[str, ...] = ()  # the causes its alerts may name (else none is named)
    labels: tuple[tuple[str, str], ...] = ()  # added to its alerts' labels (routes match them)


@dataclass(frozen=True)
class RuleTest:
    rule: str
    text: str
    language: str
    should_match: bool
    where: str


@dataclass
class RulePack:
    sets: dict[str, RuleSet] = field(default_factory=dict)  # language -> compiled rules
    signals: dict[str, Signal] = field(default_factory=dict)
    severity: list[SeverityRule] = field(default_factory=list)
    tests: list[RuleTest] = field(default_factory=list)
    files: tuple[Path, ...] = ()

    def rules_for(self, language: str) -> RuleSet:
        """The rules for a report in `language`; English ones for a language the pack lacks."""
        return self.sets.get(language) or self.sets[DEFAULT_LANGUAGE]

    @property
    def rule_ids(self) -> set[str]:
        return {rule.id for rules in self.sets.values() for rule in rules.rules}


def load_pack(folder: Path | None = None) -> RulePack:
    """Every `*.yaml` in `folder` (default: the shipped pack); InputError lists every problem."""
    folder = folder or SHIPPED
    files = tuple(sorted(folder.glob("*.yaml")))
    if not files:
        raise InputError([f"{folder}: no rule files (*.yaml) found"])
    key = files_digest("rules", files, str(folder.resolve()))
    return load_or_build(cache_folder() / f"rules-{key[:24]}.pickle", lambda: _built(files))


def _built(files: tuple[Path, ...]) -> RulePack:
    """The pack of `files` (a second: read from the cache folder when the same files, in
    the same folder, were compiled by the same code before)."""
    folder = files[0].parent
    signal_docs, severity_docs, context_docs, errors = _parse(files)
    if errors:  # checks across files would only repeat them ("unknown signal ...")
        raise InputError(errors)
    languages = {DEFAULT_LANGUAGE} | {
        lang for _, f in signal_docs + context_docs for lang in languages_of(f)
    }
    pack = RulePack(sets={lang: RuleSet(language=lang) for lang in sorted(languages)}, files=files)
    for doc, signal_file in signal_docs:
        errors.extend(_add_signal_file(pack, doc, signal_file))
    for doc, context_file in context_docs:
        errors.extend(_add_context_file(pack, doc, context_file))
    for doc, severity in severity_docs:
        errors.extend(_check_severity(doc, severity, pack))
        pack.severity.extend(severity.severity)
    if not pack.severity and not errors:
        errors.append(f"{folder}: no severity file (a YAML file with a top-level 'severity' list)")
    if errors:
        raise InputError(errors)
    return pack


def _parse(files: tuple[Path, ...]) -> tuple[list, list, list, list[str]]:
    """Each file by its top-level key: `severity`, `context`, or else a signal file."""
    kinds: dict[str, list] = {"signal": [], "severity": [], "context": []}
    models = {"signal": SignalFile, "severity": SeverityFile, "context": ContextFile}
    errors: list[str] = []
    for path in files:
        try:
            doc = load_yaml(path)
            data = doc.data if isinstance(doc.data, dict) else {}
            kind = next((k for k in ("severity", "context") if k in data), "signal")
            kinds[kind].append((doc, validate(doc, models[kind])))
        except InputError as exc:
            errors.extend(exc.messages)
    return kinds["signal"], kinds["severity"], kinds["context"], errors


def _add_signal_file(pack: RulePack, doc: Located, signal_file: SignalFile) -> list[str]:
    if signal_file.signal in pack.signals:
        return [f"{doc.where(('signal',))}: signal '{signal_file.signal}' is defined twice"]
    pack.signals[signal_file.signal] = Signal(
        signal_file.signal,
        signal_file.description,
        tuple(signal_file.indicators),
        tuple(c.cause for c in signal_file.causes),
        tuple(signal_file.labels.items()),
    )
    known, signal = pack.rule_ids, signal_file.signal
    errors = []
    for i, rule in enumerate(signal_file.rules):
        where = doc.where(("rules", i))
        if rule.id in known:
            errors.append(f"{where}: duplicate rule id '{rule.id}'")
            continue
        known.add(rule.id)
        label = f"{where}: rule {rule.id}"
        if error := _in_every_set(pack, label, RuleSet.add_rule, rule, signal, where):
            errors.append(error)
            continue
        pack.tests.extend(_tests_of(doc, i, rule))
    for i, cause in enumerate(signal_file.causes):
        where = doc.where(("causes", i))
        label = f"{where}: cause {cause.cause}"
        if error := _in_every_set(pack, label, RuleSet.add_cause, cause, signal, where):
            errors.append(error)
            continue
        ident = f"{signal_file.signal}.cause.{cause.cause}"
        pack.tests.extend(_tests_of(doc, i, cause, "causes", ident))
    return errors


def _in_every_set(pack: RulePack, label: str, add: Callable[..., object], *item: object) -> str:
    """'' when `add(rules, *item)` compiles the item into every language's rule set, else
    "`label`: why": a bad term or regular expression is said with its place, never raised."""
    try:
        for rules in pack.sets.values():
            add(rules, *item)
    except ValueError as exc:
        return f"{label}: {exc}"
    return ""


def _add_context_file(pack: RulePack, doc: Located, context_file: ContextFile) -> list[str]:
    errors = []
    known = pack.rule_ids | {c.id for rules in pack.sets.values() for c in rules.contexts}
    for i, context in enumerate(context_file.context):
        where = doc.where(("context", i))
        unknown = [s for s in context.signals if s not in pack.signals]
        if context.id in known or unknown:
            problem = f"unknown signal(s) {', '.join(unknown)}" if unknown else "duplicate id"
            errors.append(f"{where}: context rule {context.id}: {problem}")
            continue
        known.add(context.id)
        label = f"{where}: context rule {context.id}"
        if error := _in_every_set(pack, label, RuleSet.add_context, context, where):
            errors.append(error)
            continue
        pack.tests.extend(_tests_of(doc, i, context, "context"))
    return errors


def _tests_of(
    doc: Located,
    index: int,
    rule,  # noqa: ANN001 (a Rule, ContextRule or CauseRule)
    section: str = "rules",
    ident: str | None = None,
) -> list[RuleTest]:
    tests = []
    for key, expected in (("match", True), ("no_match", False)):
        for j, item in enumerate(getattr(rule.tests, key)):
            language, text = (
                next(iter(item.items())) if isinstance(item, dict) else (DEFAULT_LANGUAGE, item)
            )
            where = doc.where((section, index, "tests", key, j))
            tests.append(RuleTest(ident or rule.id, text, language, expected, where))
    return tests


def _check_severity(doc: Located, severity: SeverityFile, pack: RulePack) -> list[str]:
    errors = []
    for i, entry in enumerate(severity.severity):
        for key in ("all", "any"):
            for j, name in enumerate(getattr(entry.when, key)):
                if name not in pack.signals:
                    known = ", ".join(sorted(pack.signals))
                    where = doc.where(("severity", i, "when", key, j))
                    errors.append(f"{where}: unknown signal '{name}' (known: {known})")
    return errors


def matching_rules(rules: RuleSet, text: str) -> set[str]:
    """Ids of the rules that match `text` and that no context cancels, and of the context
    and cause rules that hold in it."""
    tokens = tokenize(text, split_sentences(text))
    fired = {m.rule.id for m in match_rules(rules, tokens) if m.factor > 0}
    return fired | matching_contexts(rules, tokens)


def run_tests(pack: RulePack) -> list[str]:
    """One message per failed rule test: where, which rule, which text, what went wrong."""
    failures = []
    for test in pack.tests:
        fired = matching_rules(pack.rules_for(test.language), test.text)
        label = "" if test.language == DEFAULT_LANGUAGE else f" ({test.language})"
        if test.should_match and test.rule not in fired:
            failures.append(f"{test.where}: rule {test.rule} did not match{label}: {test.text!r}")
        elif not test.should_match and test.rule in fired:
            failures.append(
                f"{test.where}: rule {test.rule} matched but must not{label}: {test.text!r}"
            )
    return failures
