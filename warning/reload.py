"""Hot reload: notice edits to config.yaml, the rules or the classifier examples (and new
reviewers' verdicts, which the classifier learns from), and apply
a valid change without a restart. An invalid change is rejected with its `file:line`
messages and the last good configuration keeps running."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from warning import metrics
from warning.classifier import SHIPPED as SHIPPED_EXAMPLES
from warning.config import Settings, load_settings
from warning.feedback import reviewed_examples, verdicts_stamp
from warning.logs import use_redaction
from warning.pipeline import Service, build_scorer
from warning.rules.pack import SHIPPED as SHIPPED_RULES
from warning.rules.pack import run_tests
from warning.store import Store
from warning.yamlio import InputError

log = logging.getLogger(__name__)
Fingerprint = dict[Path, bytes]


VERDICTS = Path("<reviewers' verdicts>")  # not a file: the store's verdicts, by stamp


def fingerprint(config: Path | None, settings: Settings, store: Store | None = None) -> Fingerprint:
    """The SHA-256 of every file a reload would read, by path.

    By content, not size and modification time: `cp -p` and `rsync -t` keep both while
    changing the text. Reading them all each `reload.every` is cheap: config, rules and
    examples are small text files (the shipped ones: 15 files, 230 KB, hashed in ~1 ms)."""
    files = [config] if config else []
    files += sorted((settings.rules.path or SHIPPED_RULES).glob("*.yaml"))
    files += sorted((settings.classifier.path or SHIPPED_EXAMPLES).glob("*.txt"))
    files += [extra.path for extra in settings.classifier.extra]
    seen: Fingerprint = {}
    if store is not None and settings.classifier.verdicts:
        seen[VERDICTS] = verdicts_stamp(store)
    for path in files:
        try:
            seen[path] = hashlib.sha256(path.read_bytes()).digest()
        except OSError:
            continue  # a file deleted mid-scan shows up as a change next time
    return seen


@dataclass
class Reloader:
    service: Service
    config: Path | None  # None: running on built-in defaults, only the packs are watched
    seen: Fingerprint

    @classmethod
    def watching(cls, service: Service, config: Path | None) -> Reloader:
        return cls(service, config, fingerprint(config, service.settings, service.store))

    def check(self) -> bool:
        """Reload if anything changed; True when a new configuration was applied."""
        now = fingerprint(self.config, self.service.settings, self.service.store)
        if now == self.seen:
            return False
        changed = sorted(
            str(p)
            for p in set(now) ^ set(self.seen) | {p for p in now if now[p] != self.seen.get(p)}
        )
        self.seen = now
        try:
            settings = load_settings(self.config) if self.config else self.service.settings
            reviewed = reviewed_examples(self.service.store, settings)
            scorer = build_scorer(
                settings, gazetteer=self.service.scorer.gazetteer, reviewed=reviewed
            )
            failures = run_tests(scorer.rules)
            if failures:
                raise InputError([*failures, f"{len(failures)} rule test(s) failed"])
        except InputError as exc:
            metrics.RELOAD_FAILURES.inc()
            for message in exc.messages:
                log.error("reload rejected: %s", message)
            log.error(
                "reload rejected; the last good configuration keeps running (changed: %s)",
                ", ".join(changed),
            )
            return False
        before = self.service.scorer.rules.rule_ids
        self.service.reload(settings, scorer)
        use_redaction(settings.redact)
        after = scorer.rules.rule_ids
        log.info(
            "reloaded %s: %d rules (+%d, -%d)%s",
            ", ".join(changed),
            len(after),
            len(after - before),
            len(before - after),
            _listed(after - before, before - after),
        )
        # the new settings may watch other folders
        self.seen = fingerprint(self.config, settings, self.service.store)
        return True


def _listed(added: set[str], removed: set[str]) -> str:
    parts = [f"+{rule}" for rule in sorted(added)] + [f"-{rule}" for rule in sorted(removed)]
    return f": {' '.join(parts)}" if parts else ""
