"""Per-rule precision from verdicts (issue 11, item 5): the latest verdict per alert and
signal counts for every rule that fired for that signal. Pure."""

from __future__ import annotations

from warning.precision import FALSE, TRUE, Judged, below, rule_precision


def assessed(*signals: tuple[str, list[str]]) -> dict:
    return {"signals": [{"name": n, "hits": [{"rule": r} for r in rules]} for n, rules in signals]}


ALERTS = [
    (1, assessed(("siege", ["siege.a", "siege.b"]), ("displacement", ["disp.a"]))),
    (2, assessed(("siege", ["siege.a"]))),
    (3, assessed(("siege", ["siege.a"]), ("displacement", ["disp.a"]))),
    (4, assessed(("displacement", ["disp.a"]))),
]


def test_each_verdict_counts_for_the_rules_of_its_signal_the_latest_wins() -> None:
    verdicts = [
        Judged(1, "siege", FALSE),
        Judged(1, "siege", TRUE),  # changed their mind: the latest counts
        Judged(2, "siege", FALSE),
        Judged(3, "siege", FALSE),
        Judged(3, "displacement", TRUE),
    ]
    records = {r.rule: r for r in rule_precision(ALERTS, verdicts)}
    a = records["siege.a"]
    assert (a.alerts, a.true, a.false, a.last_false) == (3, 1, 2, [3, 2])
    assert round(a.precision, 3) == 0.333
    b = records["siege.b"]
    assert (b.alerts, b.true, b.false, b.precision) == (1, 1, 0, 1.0)
    d = records["disp.a"]
    assert (d.alerts, d.true, d.false, d.precision) == (3, 1, 0, 1.0)
    order = [r.rule for r in rule_precision(ALERTS, verdicts)]
    assert order[0] == "siege.a"  # worst first


def test_unjudged_rules_have_no_precision_and_are_never_flagged() -> None:
    records = rule_precision(ALERTS, [])
    assert all(r.precision is None and r.judged == 0 for r in records)
    assert below(records, 0.5, 1) == []


def test_below_needs_enough_verdicts() -> None:
    verdicts = [Judged(2, "siege", FALSE), Judged(3, "siege", FALSE)]
    records = rule_precision(ALERTS, verdicts)
    assert [r.rule for r in below(records, 0.5, 2)] == ["siege.a"]
    assert below(records, 0.5, 3) == []
