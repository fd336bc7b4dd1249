"""The seed article (Syria, December 2024) must come out as one critical, explained alert."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SEED, invoke

BOILERPLATE = (
    "share this article",
    "subscribe",
    "sign out",
    "saved articles",
    "live score",
    "recommended topics",
    "read breaking news",
    "follow us",
)
# signal -> words its quoted sentence must contain (the sentence that says it)
EXPECTED = {
    "siege": "besieged by pro-Turkey factions",
    "comms_blackout": "Communications have been cut",
    "mass_atrocity_risk": "massacres",
    "displacement": "evacuate Kurds",
    "armed_escalation": "offensive on Aleppo",
}


@pytest.fixture(scope="module")
def seed_result(scorer):  # noqa: ANN001, ANN201
    return scorer.score(SEED.read_text(encoding="utf-8"))


def test_seed_is_critical(seed_result) -> None:  # noqa: ANN001
    assert seed_result.severity.value == "critical"
    assert "besieged" in seed_result.why


@pytest.mark.parametrize("signal", sorted(EXPECTED))
def test_each_signal_fires_and_quotes_its_sentence(seed_result, signal: str) -> None:  # noqa: ANN001
    fired = {s.name: s for s in seed_result.signals}
    assert signal in fired, f"{signal} did not fire; fired: {sorted(fired)}"
    quotes = [h.quote for h in fired[signal].hits]
    assert any(EXPECTED[signal] in q for q in quotes), quotes


def test_quotes_are_exact_slices_of_the_text(seed_result) -> None:  # noqa: ANN001
    text = SEED.read_text(encoding="utf-8")
    for signal in seed_result.signals:
        for hit in signal.hits:
            assert text[hit.start : hit.end] == hit.quote


def test_no_quote_from_boilerplate(seed_result) -> None:  # noqa: ANN001
    for signal in seed_result.signals:
        for quote in [h.quote for h in signal.hits] + [signal.classifier_quote]:
            assert not any(b in quote.lower() for b in BOILERPLATE), quote


def test_places_name_syria_aleppo_and_tal_rifaat(seed_result) -> None:  # noqa: ANN001
    names = {p.name for p in seed_result.places}
    assert {"Syria", "Aleppo", "Tal Rifaat"} <= names
    assert {p.country for p in seed_result.places if p.name in {"Aleppo", "Tal Rifaat"}} == {"SY"}
    assert seed_result.place.startswith("Syria (")
    assert "Aleppo" in seed_result.place and "Tal Rifaat" in seed_result.place


def test_score_json_contract() -> None:
    result = invoke("score", "--json", str(SEED))
    assert result.code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["severity"] == "critical"
    assert out["language"] == "en"
    assert {"name": "Syria", "country": "SY"}.items() <= next(
        p for p in out["places"] if p["name"] == "Syria"
    ).items()
    for signal in out["signals"]:
        assert {"name", "score", "classifier", "hits"} <= signal.keys()
        assert 0 <= signal["score"] <= 1 and 0 <= signal["classifier"] <= 1
        for hit in signal["hits"]:
            assert {"rule", "quote", "start", "end"} <= hit.keys()
            assert hit["rule"].startswith(signal["name"] + ".")


def test_score_human_output_explains() -> None:
    result = invoke("score", str(SEED))
    assert result.code == 0, result.stderr
    assert "CRITICAL" in result.stdout
    assert "siege.population-besieged" in result.stdout
    assert "Communications have been cut" in result.stdout
    assert "classifier" in result.stdout
