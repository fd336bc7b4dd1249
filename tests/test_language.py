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
