"""Scoring costs time in proportion to the text, whatever its shape, and one report never
holds the worker for long: runs without a sentence end are cut, `near` is a binary search,
and text past `alerts.max_chars` is left unscored (and the alert says so)."""

from __future__ import annotations

import gc
import json
import re
import time
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import DATA, SEED, write_config
from warning.config import ChannelSettings, load_settings
from warning.daemon import freeze_loaded
from warning.notify import Notifier, render
from warning.pipeline import Service
from warning.rules.matcher import Anchors
from warning.store import Store
from warning.text import MAX_SENTENCE_WORDS, TOKEN, split_sentences

MB = 1024 * 1024
KILLING = "Gunmen killed eleven villagers and burned their homes."


NEUTRAL = sorted((DATA / "neutral").glob("*.txt"))


def run_on(size: int, paths: list[Path] = [SEED, *NEUTRAL]) -> str:  # noqa: B006
    """Real sentences (the seed, the neutral articles) lower-cased with every sentence end
    taken out: one line of `size` characters that the splitter cannot cut at a full stop."""
    texts = [p.read_text() for p in paths]
    words = re.sub(r"[.!?؟\n]", " ", " ".join(texts)).lower().split()
    line = " ".join(words)
    return (line + " ") * (size // len(line)) + line[: size % len(line)]


def test_a_megabyte_without_a_sentence_end_scores_in_seconds(scorer) -> None:  # noqa: ANN001
    """Before sentences were bounded this took minutes (165 KB: 13 s; 825 KB: 226 s)."""
    text = run_on(MB)
    scorer.score(text[:2000])  # warm-up
    start = time.perf_counter()
    assessment = scorer.score(text)
    elapsed = time.perf_counter() - start
    assert elapsed < 20, f"{elapsed:.1f} s for 1 MB"
    assert {"siege", "mass_atrocity_risk"} <= {s.name for s in assessment.signals}


def test_a_run_without_a_sentence_end_is_cut_into_bounded_sentences() -> None:
    text = run_on(50_000)
    sentences = split_sentences(text)
    sizes = [len(TOKEN.findall(s.text)) for s in sentences]
    assert max(sizes) <= MAX_SENTENCE_WORDS
    assert min(sizes[:-1]) >= 40  # cut after a clause mark past 40 words, else at 80
    assert [w for s in sentences for w in TOKEN.findall(s.text)] == TOKEN.findall(text)
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_a_long_sentence_is_cut_after_a_comma_not_mid_clause() -> None:
    clause = " ".join(f"w{i}" for i in range(55))
    text = f"{clause}, then the army besieged the town and cut every road out of it " * 2
    first = split_sentences(text)[0]
    assert first.text == f"{clause},"


def _near_by_scan(anchors: list, span: tuple, within: int, ordered: bool) -> bool:
    """The definition: some anchor with at most `within` words between it and the span."""
    for a in anchors:
        if ordered and span[0] < a[1]:
            continue
        if max(span[0] - a[1], a[0] - span[1], 0) <= within:
            return True
    return False


SPAN = st.tuples(st.integers(0, 60), st.integers(1, 4)).map(lambda p: (p[0], p[0] + p[1]))


@settings(max_examples=500, deadline=None)
@given(st.lists(SPAN, max_size=20), SPAN, st.integers(0, 10), st.booleans())
def test_the_near_index_agrees_with_the_definition(
    anchors: list, span: tuple, within: int, ordered: bool
) -> None:
    assert Anchors(anchors).holds(span, within, ordered) == _near_by_scan(
        anchors, span, within, ordered
    )


def test_text_past_max_chars_is_not_scored_and_the_assessment_says_so(scorer) -> None:  # noqa: ANN001
    short = replace(scorer, max_chars=1000)
    filler = run_on(3000, NEUTRAL)
    late = short.score(filler + " " + KILLING)
    assert late.signals == ()
    kept = filler.rfind(" ", 0, 1000)  # cut at the last space before the limit
    total = len(filler) + 1 + len(KILLING)
    assert late.notes == (f"scored the first {kept} of {total:,} characters (the text is longer)",)
    early = short.score(KILLING + " " + filler)
    assert [s.name for s in early.signals] == ["mass_atrocity_risk"]
    assert scorer.score(KILLING).notes == ()


def test_the_stored_report_keeps_its_whole_text_and_the_alert_carries_the_note(
    tmp_path: Path,
    scorer,  # noqa: ANN001
) -> None:
    settings = load_settings(write_config(tmp_path, alerts={"max_chars": 2000}))
    service = Service(
        settings, Store(settings.database.url), replace(scorer, max_chars=2000), Notifier(settings)
    )
    text = KILLING + " " + run_on(5000, NEUTRAL)
    (tmp_path / "inbox" / "long.txt").write_text(text)
    service.run_once()
    (row,) = service.store.alert_log()
    note = json.loads(row.alert.assessment)["notes"][0]
    assert note.startswith("scored the first 1,9") and note.endswith("(the text is longer)")
    for url, shown in (
        ("mailto://127.0.0.1:9?to=duty@example.org", f"<small>Note: {note}</small>"),
        ("mmost://127.0.0.1:9/token", f"_Note: {note}_"),
        ("json://127.0.0.1:9", f"Note: {note}"),
    ):
        channel = ChannelSettings(url=url, format="text" if url.startswith("json") else None)
        assert shown in render(row.alert, channel).body
    report = service.store.unscored_reports()  # all scored
    assert report == []
    with service.store.engine.connect() as connection:
        (stored,) = connection.exec_driver_sql("select text from report").fetchone()
    assert stored == text


def test_scoring_many_gives_what_scoring_each_gives(scorer, monkeypatch) -> None:  # noqa: ANN001
    """The daemon scores its waiting reports together (the classifier reads several at
    once); each assessment must be the one `score` gives that report alone, across batch
    bounds, with empty and unreadable texts among them."""
    import warning.score

    monkeypatch.setattr(warning.score, "BATCH_CHARS", 3_000)
    texts = [SEED.read_text(), "", "Sign out", *[p.read_text() for p in NEUTRAL[:4]], KILLING]
    texts += [run_on(5_000), "Residents fled the shelling. " * 3]
    together = list(scorer.score_many(texts))
    assert len(together) == len(texts)
    for text, assessment in zip(texts, together, strict=True):
        assert assessment == scorer.score(text)
    assert together[0].severity.value == "critical"
    assert together[7].signals  # the killing, scored among others, still fires


def test_the_daemon_freezes_what_it_loaded_out_of_the_collectors_walk(scorer) -> None:  # noqa: ANN001
    """A full collection walked the gazetteer's 400,000 objects (170 ms) in the middle of
    scoring; `warning run` freezes what is loaded first (bench/gc_bench.py)."""
    held = scorer.rules.sets  # (the gazetteer's name index, tuples of str and int, is
    # left alone by the collector anyway)
    assert gc.is_tracked(held) and any(o is held for o in gc.get_objects())
    try:
        freeze_loaded()
        assert gc.get_freeze_count() > 0
        assert not any(o is held for o in gc.get_objects())
    finally:
        gc.unfreeze()
