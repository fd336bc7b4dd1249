"""Verdicts that change the service (issue 11, item 5): the sentences of judged alerts
become classifier examples, and a new verdict retrains the classifier at the next reload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import invoke, trimmed_examples, write_config
from warning.classifier import Reviewed, load_examples
from warning.config import load_settings
from warning.feedback import reviewed_examples
from warning.models import Verdict
from warning.notify import Notifier
from warning.pipeline import Service
from warning.reload import Reloader
from warning.store import Store

pytestmark = pytest.mark.both_databases

EXAMPLES = Path(__file__).parent.parent / "examples" / "inbox"


def _service(tmp_path: Path, scorer, **extra: object) -> Service:  # noqa: ANN001
    config = write_config(tmp_path, **extra)
    for source in EXAMPLES.glob("0[1-3]_*.txt"):
        (tmp_path / "inbox" / source.name).write_bytes(source.read_bytes())
    settings = load_settings(config)
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    assert len(service.run_once().alerts) == 3
    return service


def _alert(service: Service, place: str):  # noqa: ANN202
    return next(r.alert for r in service.store.alert_log() if place in r.alert.place)


def test_judged_sentences_become_positives_and_negatives_of_their_signal(
    tmp_path: Path,
    scorer,  # noqa: ANN001
) -> None:
    service = _service(tmp_path, scorer)
    darfur, myanmar = _alert(service, "Sudan"), _alert(service, "Myanmar")
    store = service.store
    store.add_verdict(Verdict(alert_id=darfur.id, signal="siege", verdict="true_positive"))
    store.add_verdict(Verdict(alert_id=myanmar.id, signal="displacement", verdict="true_positive"))
    store.add_verdict(Verdict(alert_id=myanmar.id, signal="displacement", verdict="false_positive"))
    found = reviewed_examples(store, service.settings)
    siege = json.loads(darfur.assessment)["signals"]
    siege_quotes = {h["quote"] for s in siege if s["name"] == "siege" for h in s["hits"]}
    assert siege_quotes and siege_quotes <= {r.text for r in found if r.signal == "siege"}
    assert all(r.positive for r in found if r.signal == "siege")
    displaced = [r for r in found if r.signal == "displacement"]
    assert displaced and not any(r.positive for r in displaced)  # the latest verdict counts
    assert {r.signal for r in found} == {"siege", "displacement"}
    off = service.settings.model_copy(
        update={"classifier": service.settings.classifier.model_copy(update={"verdicts": False})}
    )
    assert reviewed_examples(store, off) == []


def test_reviewed_sentences_are_judged_for_their_signal_only() -> None:
    plain = load_examples()
    negative = "The committee met in Geneva to discuss the budget of the water board."
    positive = "Thousands of families fled the shelling of their villages overnight on foot."
    examples = load_examples(
        reviewed=[Reviewed(negative, "siege", False), Reviewed(positive, "displacement", True)]
    )
    assert examples.digest != plain.digest  # a new model, not the cached one
    index = {text: i for i, text in enumerate(examples.texts)}
    assert examples.labels[index[negative]] == frozenset()
    assert examples.judged[index[negative]] == frozenset({"siege"})
    assert examples.labels[index[positive]] == frozenset({"displacement"})
    assert examples.judged[index[positive]] == frozenset({"displacement"})


@pytest.mark.sqlite_only  # retrains the classifier: the store part is one read
def test_a_new_verdict_retrains_the_classifier_at_the_next_reload(
    tmp_path: Path,
    scorer,  # noqa: ANN001
) -> None:
    service = _service(tmp_path, scorer)
    reloader = Reloader.watching(service, tmp_path / "config.yaml")
    assert reloader.check() is False  # nothing changed
    before = service.scorer.classifier.digest
    darfur = _alert(service, "Sudan")
    service.store.add_verdict(
        Verdict(alert_id=darfur.id, signal="comms_blackout", verdict="false_positive")
    )
    assert reloader.check() is True
    assert service.scorer.classifier.digest != before
    assert reloader.check() is False  # once per change


@pytest.mark.sqlite_only  # trains classifiers: the store part is one read
def test_classifier_eval_reports_figures_with_and_without_the_reviewed_sentences(
    tmp_path: Path,
    scorer,  # noqa: ANN001
) -> None:
    examples = trimmed_examples(tmp_path / "examples")  # a quick cross-validation
    service = _service(tmp_path, scorer, classifier={"path": str(examples)})
    darfur = _alert(service, "Sudan")
    service.store.add_verdict(Verdict(alert_id=darfur.id, signal="siege", verdict="true_positive"))
    reviewed = reviewed_examples(service.store, service.settings)
    assert reviewed
    result = invoke("classifier", "eval", "--folds", "2", "--config", str(tmp_path / "config.yaml"))
    assert result.code == 0, result.stderr
    base, judged = load_examples(examples), load_examples(examples, (), reviewed)
    assert f"{len(base.texts)} examples, 2-fold cross-validation" in result.stdout
    assert (
        f"with {len(reviewed)} reviewed sentence(s) from verdicts (what `warning run` learns "
        f"from): {len(judged.texts)} examples"
    ) in " ".join(result.stdout.split())
    assert result.stdout.count("┃ signal") == 2  # a table without them, one with them
    tables = result.stdout.split("reviewed sentence(s)")
    assert "siege" in tables[0] and "siege" in tables[1]
