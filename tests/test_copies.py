"""A rewritten wire story is a retelling: it joins the event and adds no independent source;
an independent report of the same happening adds one."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import write_config
from warning.config import load_settings
from warning.copies import MIN_SHARED, facts, in_order, retells, told
from warning.notify import Notifier
from warning.pipeline import Service
from warning.sources.base import Incoming
from warning.store import Store

pytestmark = pytest.mark.both_databases

WIRE = (
    "Gunmen attacked the village of Tabanga in Mali's Mopti region before dawn on Sunday, "
    "killing at least 31 civilians and burning 40 granaries, a local official said.\n\n"
    "The attackers arrived on 60 motorcycles at about 4 a.m. and fired on people leaving "
    "the mosque, said the official, who asked not to be named. Survivors fled to Bandiagara "
    "and to Sévaré, 70 kilometres away.\n\n"
    "The United Nations mission said about 1,200 people had reached Bandiagara by Monday."
)
REWRITE = (  # another outlet's rewrite of WIRE: new words, the same facts in the same order
    "At least 31 civilians died and 40 granaries went up in flames when armed men stormed "
    "Tabanga, a village in the Mopti region of Mali, early on Sunday, an official told "
    "reporters.\n\n"
    "Riding some 60 motorcycles, the assailants came at around 4 a.m. and shot at "
    "worshippers coming out of the mosque. Those who escaped ran to Bandiagara and on to "
    "Sévaré, about 70 kilometres from the village.\n\n"
    "By Monday, according to the United Nations mission, some 1,200 displaced people were "
    "in Bandiagara."
)
CREDITED = (  # a short rewrite that says where it came from
    "Dozens of civilians were killed in an attack by gunmen on a village in Mali's Mopti "
    "region on Sunday, the Sahel Wire agency reported, and families fled the area."
)
INDEPENDENT = (  # the same happening, reported from elsewhere, its own facts and order
    "In Bandiagara, families who fled Sunday's massacre in Tabanga sleep in the courtyard of "
    "the prefecture. Aminata, 34, walked for two days with her four children. The Red Cross "
    "counted 15 wounded at the district hospital, and the prefect asked for food and tents. "
    "Mali's government condemned the killing of civilians by gunmen in the Mopti region."
)


def test_facts_are_figures_and_names_in_order() -> None:
    assert facts("At least 1,200 people fled. They reached Sévaré and Mopti on Monday.") == (
        "1200",
        "sevare",
        "mopti",
        "monday",
    )  # "At" and "They" start their sentences: not names
    assert in_order(("a", "b", "c", "d"), ("b", "x", "c", "d", "a")) == 3


def table_lcs(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """The longest common subsequence by the whole dynamic-programming table (the reference
    the bit-parallel `in_order` must agree with)."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


@given(
    st.lists(st.sampled_from("abcdefg"), max_size=160),
    st.lists(st.sampled_from("abcdefg"), max_size=160),
)
def test_in_order_agrees_with_the_whole_table(a: list[str], b: list[str]) -> None:
    assert in_order(tuple(a), tuple(b)) == table_lcs(tuple(a), tuple(b))
    assert in_order(tuple(b), tuple(a)) == table_lcs(tuple(a), tuple(b))


def test_a_rewrite_with_the_facts_in_order_retells_the_story() -> None:
    wire, rewrite = told("Sahel Wire", "", WIRE), told("Mopti Courier", "", REWRITE)
    why = retells(rewrite, wire)
    assert why.endswith("facts in the same order"), why
    assert int(why.split()[0]) >= MIN_SHARED


def test_crediting_the_outlet_makes_a_retelling() -> None:
    wire, credited = told("Sahel Wire", "", WIRE), told("Radio Niger", "", CREDITED)
    assert retells(credited, wire) == "credits Sahel Wire"
    assert retells(credited, told("", "", WIRE)) == ""  # no outlet: nothing to credit


def test_an_independent_report_of_the_same_happening_is_not_a_retelling() -> None:
    wire, own = told("Sahel Wire", "", WIRE), told("Bandiagara FM", "", INDEPENDENT)
    assert retells(own, wire) == ""


def test_a_rewritten_copy_adds_no_source_and_an_independent_report_does(
    tmp_path: Path,
    scorer,  # noqa: ANN001
) -> None:
    settings = load_settings(write_config(tmp_path))
    service = Service(settings, Store(settings.database.url), scorer, Notifier(settings))
    for ref, outlet, text in [
        ("wire", "Sahel Wire", WIRE),
        ("rewrite", "Mopti Courier", REWRITE),
        ("credited", "Radio Niger", CREDITED),
        ("own", "Bandiagara FM", INDEPENDENT),
    ]:
        incoming = Incoming(ref, f"Report {ref}", text, outlet=outlet)
        service.intake("test", [incoming])
        service.score_pending()
    (row,) = service.store.alert_log()
    assert (row.alert.reports, row.alert.sources) == (4, 2)  # the wire and the own report
    listed = service.store.event_report_list(row.alert.event_id, 10)  # the alert page's list
    assert [(r.outlet, r.retold) for r in reversed(listed)] == [
        ("Sahel Wire", False),
        ("Mopti Courier", True),
        ("Radio Niger", True),
        ("Bandiagara FM", False),
    ]
