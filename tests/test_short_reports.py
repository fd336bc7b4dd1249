"""Short reports (a field SMS, a coded event note, an agency flash) in four languages are
first-class input: the same evidence, causes and severity as an article."""

from __future__ import annotations

import pytest

from warning.levels import Severity

ABDUCTION = {
    "en": "On 8 March, militants abducted two men at the market in Djibo and executed one of "
    "them the next day.",
    "fr": "Le 8 mars, des hommes armés ont enlevé deux commerçants au marché de Djibo et ont "
    "exécuté l'un d'eux le lendemain.",
    "es": "El 8 de marzo, hombres armados secuestraron a dos comerciantes en el mercado de "
    "Tumaco y ejecutaron a uno de ellos al día siguiente.",
    "ar": "في 8 مارس، اختطف مسلحون رجلين في سوق مدينة تعز وأعدموا أحدهما في اليوم التالي.",
}
ROBBERY = {
    "en": "A man was shot dead in a robbery at a petrol station in Nairobi on Tuesday night.",
    "fr": "Un homme a été abattu lors d'un braquage dans une station-service de Dakar mardi.",
    "es": "Un hombre murió baleado durante un asalto en una gasolinera de Lima el martes.",
    "ar": "قتل رجل بالرصاص خلال عملية سطو على محطة وقود في عمّان مساء الثلاثاء.",
}
FLOODS = {
    "en": "Flash update: 3,000 families displaced by floods in Beledweyne; shelters are full.",
    "fr": "Note flash : 3 000 ménages déplacés par les inondations à Mopti ; les sites "
    "d'accueil sont pleins.",
    "es": "Alerta: 3.000 familias desplazadas por las inundaciones en Chocó; los albergues "
    "están llenos.",
    "ar": "تحديث عاجل: نزوح 3000 أسرة بسبب الفيضانات في دارفور، ومراكز الإيواء ممتلئة.",
}
SHELLING = {
    "en": "Residents of Kharkiv's northern districts fled the shelling overnight.",
    "fr": "Les habitants des quartiers nord de Goma ont fui les bombardements cette nuit.",
    "es": "Los vecinos de los barrios del norte de Jamundí huyeron de los bombardeos anoche.",
    "ar": "فر سكان الأحياء الشمالية في حلب من القصف خلال الليل.",
}
QUIET = {
    "en": [
        "Cardiff laid siege to the Swansea goal for the whole second half but could not score.",
        "Hundreds gathered in Srebrenica to mark the anniversary of the 1995 massacre.",
    ],
    "fr": [
        "Le PSG a assiégé le but lyonnais pendant toute la seconde période sans marquer.",
        "Des centaines de personnes ont commémoré l'anniversaire du massacre de 1994 à Kigali.",
    ],
    "es": [
        "El Betis asedió la portería del Sevilla durante todo el segundo tiempo sin marcar.",
        "Cientos de personas recordaron el aniversario de la masacre de 1982 en Dos Erres.",
    ],
    "ar": [
        "حاصر لاعبو الأهلي مرمى الزمالك طوال الشوط الثاني دون أن يسجلوا.",
        "أحيا المئات ذكرى مجزرة عام 1988 في حلبجة.",
    ],
}
LANGUAGES = ["en", "fr", "es", "ar"]


def signals_of(assessment) -> dict[str, str]:  # noqa: ANN001
    return {s.name: s.cause for s in assessment.signals}


@pytest.mark.parametrize("language", LANGUAGES)
def test_abduction_and_execution_by_militants(scorer, language: str) -> None:  # noqa: ANN001
    assessment = scorer.score(ABDUCTION[language])
    assert assessment.language == language
    assert "mass_atrocity_risk" in signals_of(assessment)
    assert assessment.severity.at_least(Severity.medium)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_robbery_killing_is_at_most_low(scorer, language: str) -> None:  # noqa: ANN001
    assert not scorer.score(ROBBERY[language]).severity.at_least(Severity.medium)


@pytest.mark.parametrize("language", LANGUAGES)
def test_flood_displacement_names_its_cause(scorer, language: str) -> None:  # noqa: ANN001
    assert signals_of(scorer.score(FLOODS[language])).get("displacement") == "hazard"


@pytest.mark.parametrize("language", LANGUAGES)
def test_flight_from_shelling_names_its_cause(scorer, language: str) -> None:  # noqa: ANN001
    assert signals_of(scorer.score(SHELLING[language])).get("displacement") == "conflict"


@pytest.mark.parametrize("language", LANGUAGES)
def test_sport_sieges_and_anniversaries_raise_nothing(scorer, language: str) -> None:  # noqa: ANN001
    for text in QUIET[language]:
        assert scorer.score(text).signals == (), text
