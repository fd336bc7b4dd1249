"""Language from function words in the shared tokens, py3langid when they do not decide."""

from __future__ import annotations

import py3langid
import pytest

from warning import language
from warning.text import split_sentences, tokenize


def words_of(text: str) -> tuple[str, ...]:
    return tokenize(text, split_sentences(text)).words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gunmen attacked the village on Sunday and the residents fled to the town.", "en"),
        ("GUNMEN ATTACKED THE VILLAGE ON SUNDAY AND THE RESIDENTS FLED TO THE TOWN.", "en"),
        ("Des hommes armés ont attaqué le village et les habitants ont fui vers la ville.", "fr"),
        (
            "Hombres armados atacaron el pueblo y los vecinos huyeron hacia la ciudad.",
            "es",
        ),
        ("هاجم مسلحون القرية في الصباح وفر السكان من منازلهم إلى المدينة بعد أن أحرقت", "ar"),
    ],
)
def test_function_words_decide_the_four_languages(text: str, expected: str) -> None:
    assert language.decided(words_of(text)) == expected
    assert language.detect(words_of(text), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Portuguese and Italian share words with Spanish, Haitian Creole with French: the
        # guard lists send them to py3langid instead of deciding wrongly.
        "Homens armados atacaram a aldeia e os moradores fugiram para a cidade com os filhos.",
        "Uomini armati hanno attaccato il villaggio e gli abitanti sono fuggiti nella città.",
        "Nou bezwen èd, dlo a pran kay nou yo, nou pa gen manje pou timoun yo.",
        "Flood",  # too short to tell
    ],
)
def test_other_languages_and_short_texts_are_left_to_py3langid(text: str) -> None:
    assert language.decided(words_of(text)) is None


def test_py3langid_names_what_the_function_words_leave() -> None:
    text = "Homens armados atacaram a aldeia e os moradores fugiram para a cidade com os filhos."
    assert language.detect(words_of(text), text) == "pt"
    assert language.detect((), "   ") == "und"


def test_galician_and_aragonese_are_read_with_the_spanish_lists(scorer) -> None:  # noqa: ANN001
    """py3langid calls these Galician; the pack has Spanish lists for them."""
    text = "Os homes armados mataron a once veciños da aldea"
    assert py3langid.classify(text)[0] == "gl"
    assert language.detect(tokenize(text, split_sentences(text)).words, text) == "es"
    assessment = scorer.score(text)
    assert assessment.language == "es"
    assert "mass_atrocity_risk" in {s.name for s in assessment.signals}  # "mataron a once"


def test_a_batch_finds_what_py3langid_finds_one_text_at_a_time() -> None:
    """detect_many scores the undecided texts of a batch in one array operation: the same
    language as py3langid's own classify for each, empty and featureless texts included."""
    texts = [
        "Homens armados atacaram a aldeia e os moradores fugiram para a cidade.",
        "Uomini armati hanno attaccato il villaggio e gli abitanti sono fuggiti.",
        "Nou bezwen èd, dlo a pran kay nou yo, nou pa gen manje pou timoun yo.",
        "",
        "   ",
        "12 34 56",
        "Os homes armados mataron a once veciños da aldea",
        "Watu wenye silaha walishambulia kijiji na wakazi wakakimbia mjini.",
        "Bewaffnete Männer griffen das Dorf an und die Bewohner flohen in die Stadt.",
        "Flood",
        "\u0627\u0644\u0642\u0648\u0627\u062a \u0627\u0644\u0645\u062f\u064a\u0646\u0629",
        "Gunmen attacked the village and the residents fled to the town.",
    ] * 3
    assert len(texts) >= language.BATCH_FROM
    expected = []
    for text in texts:
        sample = text[: language.LANGUAGE_SAMPLE].strip()
        found = py3langid.classify(sample)[0] if sample else "und"
        expected.append(language.decided(words_of(text)) or language.READ_AS.get(found, found))
    assert language.detect_many([(words_of(t), t) for t in texts]) == expected
    assert [language.detect(words_of(t), t) for t in texts] == expected
    assert {"pt", "it", "es", "und", "en"} <= set(expected)


def test_the_array_walk_counts_what_py3langids_byte_walk_counts() -> None:
    """The automaton's state depends on the last NGRAM_BYTES bytes only: counting by array
    steps gives py3langid's own feature counts, in every script (4-byte characters too)."""
    from py3langid.langid import visit_counts

    identifier = py3langid.langid._get_identifier()
    samples = [
        "Gunmen attacked the village; 2,000 fled.",
        "Des hommes armés ont attaqué le village.",
        "هاجم مسلحون القرية",
        "Вооруженные люди",
        "武装分子袭击了村庄",
        "村が襲われたということです。",  # n-grams of 6 bytes
        "flood \U0001f30a\U0001f3e0 families \U0001f6b6 fled",
        "",
        "a",
        "x" * 500,
    ]
    encoded = [identifier._encode(s) for s in samples]
    counts = language._feature_counts(identifier, encoded).toarray()
    walk = (identifier.tk_nextmove, identifier._rowbase, identifier.tk_output)
    for row, data in zip(counts, encoded, strict=True):
        expected = visit_counts(*walk, data) or {}
        assert {int(f): int(row[f]) for f in row.nonzero()[0]} == dict(expected)
    assert counts.sum() > 100
