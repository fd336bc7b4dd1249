"""Events on real coverage: a village the gazetteer lacks, spelt two ways, still joins one
event; a lightly edited wire copy adds no source; another village stays apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_config
from warning.config import load_settings
from warning.notify import Notifier
from warning.pipeline import Service
from warning.placekeys import key, shared, unknown_names
from warning.score import Assessment
from warning.sources.base import Incoming
from warning.store import Store

pytestmark = pytest.mark.both_databases

NONE = Assessment.__new__(Assessment)  # unknown_names only reads `places`
object.__setattr__(NONE, "places", ())


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        ("Gunmen killed 11 villagers in Dinangourou on Sunday.", ["Dinangourou"]),
        ("Fighting reached the village of Bule, near Djugu.", ["Bule", "Djugu"]),
        ("Shelling hit markets in Sudan's South Kordofan.", ["South Kordofan"]),
        ("In March, rebels entered Kutum's main market.", []),  # a month is no place
        ("Des hommes armés ont tué 11 civils à Pinga.", ["Pinga"]),
        ("Desplazados en el municipio de Argelia.", ["Argelia"]),
    ],
)
def test_names_after_locative_words(sentence: str, names: list[str]) -> None:
    assert unknown_names([sentence], NONE) == names


def test_keys_match_across_spellings() -> None:
    assert key("Désarmes") == key("Desarmes") == "desarmes"
    assert key("Kyauk Taw") == key("Kyauktaw")
    assert shared({key("Kostiantynivka")}, {key("Kostyantynivka")})
    assert shared({key("Dinangourou")}, {key("Dinangorou")})
    assert not shared({key("Kutum")}, {key("Dilling")})
    assert not shared({"bor"}, {"bol"})  # short names match only exactly
    # transliterations differ in a vowel: one vowel may differ, not a consonant or two vowels
    assert shared({key("Kutum")}, {key("Kotum")})
    assert shared({key("Bunia")}, {key("Bunea")})
    assert not shared({key("Kutum")}, {key("Kutun")})
    assert not shared({key("Kutum")}, {key("Kotim")})
    assert not shared({"wau"}, {"wai"})


FIRST = (
    "Gunmen killed eleven villagers in Dinangourou on Sunday and burned dozens of houses, "
    "local officials said. Survivors said the attackers arrived on motorbikes at dawn and "
    "shot people as they fled toward the fields. Hundreds of families have since fled to "
    "the nearby town of Koro, where they are sleeping in schools and mosques."
)
OTHER_OUTLET = (
    "Residents of Dinangorou, a village in central Mali, said armed men on motorbikes "
    "attacked at first light on Sunday. A community leader said eleven people were shot "
    "dead and that most homes were set on fire. Families fled on foot and by cart."
)
LIGHT_COPY = FIRST.replace("local officials said", "officials told reporters").replace(
    " Hundreds of families have since fled to the nearby town of Koro, where they are "
    "sleeping in schools and mosques.",
    "",
)
ELSEWHERE = (
    "Gunmen killed nine villagers in Ogossagou on Tuesday and set fire to granaries, "
    "officials said. Families fled to Bankass."
)


def test_a_village_the_gazetteer_lacks_joins_one_event(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    settings = load_settings(write_config(tmp_path))
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    for ref, text in [("a", FIRST), ("b", OTHER_OUTLET), ("c", LIGHT_COPY), ("d", ELSEWHERE)]:
        service.intake("test", [Incoming(ref, f"Report {ref}", text)])
        service.score_pending()
    # the alert takes the title of its event's most severe report: find them by counts
    alerts = sorted(
        (a.reports, a.sources, a.title) for a in (r.alert for r in service.store.alert_log())
    )
    assert len(alerts) == 2, alerts
    assert alerts[0] == (1, 1, "Report d")  # the other village: an event of its own
    assert alerts[1][:2] == (3, 2)  # a, b and the light copy c, which adds no source


NAMED = (
    "Paramilitary fighters seized Kutum in Sudan's North Darfur on Monday; residents said "
    "gunmen killed at least 40 civilians and thousands of people fled the town."
)
UNNAMED = (  # no country, no place the gazetteer knows, the town spelt another way
    "The first families from Kotum reached a relief camp on Tuesday after walking all night; "
    "they said the paramilitary force had shelled the town and held it by Monday, and that "
    "thousands more had fled on foot."
)


def test_a_report_naming_no_country_joins_the_event_of_its_town(tmp_path: Path, scorer) -> None:  # noqa: ANN001
    settings = load_settings(write_config(tmp_path))
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    assert scorer.score(UNNAMED).main.country == ""
    for ref, text in [("named", NAMED), ("unnamed", UNNAMED)]:
        service.intake("test", [Incoming(ref, f"Report {ref}", text)])
        service.score_pending()
    alerts = [r.alert for r in service.store.alert_log()]
    assert len(alerts) == 1, [a.title for a in alerts]
    assert (alerts[0].reports, alerts[0].sources) == (2, 2)
    assert alerts[0].place.startswith("Sudan")


KAYA = (
    "Gunmen killed seven villagers in Tanwalbougou on Monday, and families fled south, "
    "officials in Burkina Faso said."
)
SOMA = (
    "Armed men shot dead five villagers in Koulpelogo on Monday night and burned granaries; "
    "families fled toward the border, officials in Burkina Faso said."
)
BRIDGE = (
    "The attacks on Monday in Tanwalbougou and in Koulpelogo were carried out by the same "
    "group: gunmen killed twelve villagers in all and burned dozens of houses, officials in "
    "Burkina Faso said. Thousands of families have fled."
)


def test_a_bridging_report_merges_two_events(tmp_path: Path, smtp_server, scorer) -> None:  # noqa: ANN001
    channels = {"duty": {"url": smtp_server.url("duty@example.org"), "min_severity": "low"}}
    settings = load_settings(write_config(tmp_path, channels))
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    for ref, text in [("kaya", KAYA), ("soma", SOMA)]:
        service.intake("test", [Incoming(ref, f"Report {ref}", text)])
        service.score_pending()
    service.deliver_due()
    assert len(service.store.alert_log()) == 2 and len(smtp_server.mailbox.messages) == 2
    service.intake("test", [Incoming("bridge", "Report bridge", BRIDGE)])
    service.score_pending()
    service.deliver_due()
    rows = service.store.alert_log()
    live = [r.alert for r in rows if r.alert.merged_into is None]
    merged = [r.alert for r in rows if r.alert.merged_into is not None]
    assert len(rows) == 2 and len(live) == 1 and len(merged) == 1
    assert merged[0].merged_into == live[0].id and merged[0].event_id == live[0].event_id
    assert (live[0].reports, live[0].sources) == (3, 3)
    assert len(smtp_server.mailbox.messages) == 2  # the merge resends nothing


def test_a_dateline_is_not_where_it_happened(scorer) -> None:  # noqa: ANN001
    from warning.placekeys import place_keys

    text = (
        "KINSHASA (Wire Service) - Gunmen killed eleven villagers in Pinga on Sunday and "
        "burned their homes, officials in the Democratic Republic of the Congo said."
    )
    keys = place_keys(scorer.score(text), "Gunmen kill eleven in Pinga", text[:300])
    assert "pinga" in keys and "kinshasa" not in keys
