"""The scorer gives today's assessments, to the last digit, of a fixed corpus of 2,105
texts (tests/same_scores.py): a faster scorer may not score differently. Scored as the
daemon scores (in batches) and as `warning score` does (one call per text)."""

from __future__ import annotations

from tests.same_scores import corpus, read_golden, scored


def test_the_fixed_corpus_scores_as_the_golden_file_says(scorer) -> None:  # noqa: ANN001
    golden = read_golden()
    items = corpus()
    assert [key for key, _ in items] == [g.id for g in golden], "the corpus changed"
    found = scored(scorer, items)
    changed = [(g, f) for g, f in zip(golden, found, strict=True) if g != f]
    assert not changed, (
        f"{len(changed)} of {len(golden)} texts score otherwise, first: {changed[:3]}; "
        "after a deliberate change: python -m tests.same_scores --write, and read the diff"
    )


def test_one_text_at_a_time_scores_as_a_batch(scorer) -> None:  # noqa: ANN001
    golden = {g.id: g for g in read_golden()}
    items = corpus()[::10]
    one_by_one = [scored(scorer, [item])[0] for item in items]
    assert one_by_one == [golden[key] for key, _ in items]
