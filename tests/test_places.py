"""Places from the real offline gazetteer (GeoNames cities + data/places.yaml): spellings,
regions, coordinates, and the main place of a report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from warning.gazetteer_data import PLACES_YAML, fold
from warning.places import Gazetteer, Place, main_place
from warning.text import split_sentences
from warning.yamlio import InputError, load_yaml

SITREP = REPO / "examples" / "inbox" / "01_myanmar_thailand_border_sitrep.txt"
TAL_RIFAAT = [
    "Tal Rifaat",
    "Tall Rif'at",
    "Tall Rif‘at",
    "Tel Rifat",
    "Tal Rif'at",
    "Tell Rifaat",
    "تل رفعت",
]
# spelling -> (the one name it is found as, country)
SPELLINGS = {
    "El Fasher": ("El Fasher", "SD"),
    "Al-Fashir": ("El Fasher", "SD"),
    "El-Fasher": ("El Fasher", "SD"),
    "Al Fashir": ("El Fasher", "SD"),
    "الفاشر": ("El Fasher", "SD"),
    "Afrin": ("Afrin", "SY"),
    "Efrin": ("Afrin", "SY"),
    "Kobane": ("Kobani", "SY"),
    "Mariupol": ("Mariupol", "UA"),
    "Mariupol'": ("Mariupol", "UA"),
    "Khartoum": ("Khartoum", "SD"),
    "Al-Khartum": ("Khartoum", "SD"),
    "Goma": ("Goma", "CD"),
    "Kharkiv": ("Kharkiv", "UA"),
    "Kharkov": ("Kharkiv", "UA"),
    "Rafah": ("Rafah", "PS"),
    "Khan Younis": ("Khan Younis", "PS"),
    "Khan Yunis": ("Khan Younis", "PS"),
    "Geneina": ("El Geneina", "SD"),
    "Deir el-Balah": ("Deir al-Balah", "PS"),
}
# as written -> (region, country)
REGIONS = {
    "Darfur": ("Darfur", "SD"),
    "North Darfur": ("North Darfur", "SD"),
    "South Darfur": ("South Darfur", "SD"),
    "West Darfur": ("West Darfur", "SD"),
    "Central Darfur": ("Central Darfur", "SD"),
    "East Darfur": ("East Darfur", "SD"),
    "Kordofan": ("Kordofan", "SD"),
    "South Kordofan": ("South Kordofan", "SD"),
    "Tigray": ("Tigray", "ET"),
    "Amhara": ("Amhara", "ET"),
    "Oromia": ("Oromia", "ET"),
    "Afar": ("Afar", "ET"),
    "Kayin State": ("Kayin State", "MM"),
    "Karen State": ("Kayin State", "MM"),
    "Rakhine": ("Rakhine", "MM"),
    "Shan State": ("Shan State", "MM"),
    "Kachin": ("Kachin", "MM"),
    "Idlib province": ("Idlib Governorate", "SY"),
    "Deir ez-Zor province": ("Deir ez-Zor Governorate", "SY"),
    "Hasakah province": ("Hasakah Governorate", "SY"),
    "Donbas": ("Donbas", "UA"),
    "Donetsk region": ("Donetsk Oblast", "UA"),
    "Ituri": ("Ituri", "CD"),
    "North Kivu": ("North Kivu", "CD"),
    "South Kivu": ("South Kivu", "CD"),
    "Cabo Delgado": ("Cabo Delgado", "MZ"),
    "Borno state": ("Borno", "NG"),
    "Upper Nile": ("Upper Nile", "SS"),
    "Shahba": ("Shahba", "SY"),
    "Shehba": ("Shahba", "SY"),
    "دارفور": ("Darfur", "SD"),
}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer()


def places_in(gazetteer: Gazetteer, text: str, evidence: bool = True) -> list[Place]:
    sentences = split_sentences(text)
    spans = [(s.start, s.end) for s in sentences]
    return gazetteer.find(text, spans, set(range(len(spans))) if evidence else set())


def only_place(places: list[Place], kind: str) -> Place:
    found = [p for p in places if p.kind == kind]
    assert len(found) == 1, places
    return found[0]


@pytest.mark.parametrize("spelling", TAL_RIFAAT)
def test_tal_rifaat_under_each_spelling(gazetteer: Gazetteer, spelling: str) -> None:
    place = only_place(places_in(gazetteer, f"Shelling hit {spelling} on Sunday."), "town")
    assert (place.name, place.country, place.kind) == ("Tal Rifaat", "SY", "town")
    assert place.lat == pytest.approx(36.47, abs=0.05)
    assert place.lon == pytest.approx(37.09, abs=0.05)


def test_all_spellings_of_tal_rifaat_are_one_place(gazetteer: Gazetteer) -> None:
    text = " ".join(f"Shelling hit {s} in Syria." for s in TAL_RIFAAT)
    place = only_place(places_in(gazetteer, text), "town")
    assert (place.name, place.mentions) == ("Tal Rifaat", len(TAL_RIFAAT))


def test_arabic_text_finds_country_and_town(gazetteer: Gazetteer) -> None:
    places = places_in(gazetteer, "قصفت القوات تل رفعت في شمال سوريا")
    assert {(p.name, p.country, p.kind) for p in places} == {
        ("Tal Rifaat", "SY", "town"),
        ("Syria", "SY", "country"),
    }


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_crisis_spellings(gazetteer: Gazetteer, spelling: str) -> None:
    place = only_place(places_in(gazetteer, f"Fighting reached {spelling} overnight."), "town")
    assert (place.name, place.country) == SPELLINGS[spelling]
    assert place.lat is not None and place.lon is not None


@pytest.mark.parametrize("written", sorted(REGIONS))
def test_regions(gazetteer: Gazetteer, written: str) -> None:
    place = only_place(places_in(gazetteer, f"Thousands fled {written} last week."), "region")
    assert (place.name, place.country) == REGIONS[written]
    assert place.lat is not None and place.lon is not None


def test_a_bare_name_of_a_city_stays_the_city(gazetteer: Gazetteer) -> None:
    places = places_in(
        gazetteer, "Airstrikes hit Idlib, Syria. Fighting spread across Idlib province."
    )
    assert {(p.name, p.kind) for p in places} == {
        ("Syria", "country"),
        ("Idlib", "town"),
        ("Idlib Governorate", "region"),
    }


def test_region_aliases_do_not_hide_towns_of_their_country(gazetteer: Gazetteer) -> None:
    for region in load_yaml(PLACES_YAML).data["regions"]:
        for alias in [region["name"], *region.get("aliases", [])]:
            shadowed = [
                e
                for e in gazetteer.candidates(fold(alias))
                if e.kind == "town" and e.country == region["country"] and not e.listed
            ]
            assert not shadowed, (alias, shadowed)


def test_every_listed_place_has_coordinates(gazetteer: Gazetteer) -> None:
    data = load_yaml(PLACES_YAML).data
    assert len(data["regions"]) >= 30
    for item in data["towns"] + data["regions"]:
        entry = next(e for e in gazetteer.candidates(fold(item["name"])) if e.listed)
        assert entry.country == item["country"]
        assert entry.lat is not None and entry.lon is not None, item["name"]
        assert -90 <= entry.lat <= 90 and -180 <= entry.lon <= 180


def test_only_darfur_gives_sudan(gazetteer: Gazetteer) -> None:
    places = places_in(gazetteer, "Fighting has spread across Darfur.")
    assert [(p.name, p.country, p.kind) for p in places] == [("Darfur", "SD", "region")]
    main = main_place(places)
    assert (main.country, main.name, main.label) == ("SD", "Sudan", "Sudan (Darfur)")


def test_label_names_region_then_town(gazetteer: Gazetteer) -> None:
    text = "Fighters besieged El Fasher in Sudan's North Darfur state, and Darfur is cut off."
    main = main_place(places_in(gazetteer, text))
    assert main.label == "Sudan (North Darfur / El Fasher)"
    assert main.regions == ("North Darfur",)
    assert main.towns == ("North Darfur", "El Fasher")  # what the store keeps


def test_where_people_fled_to_weighs_nothing(gazetteer: Gazetteer) -> None:
    text = (
        "Thousands fled fighting in Sudan's West Darfur into neighbouring Chad. "
        "Refugees in Chad said they crossed into Chad at night, and Chad's camps are full."
    )
    places = {p.name: p for p in places_in(gazetteer, text)}
    assert places["West Darfur"].origin == 1 and places["Sudan"].origin == 1
    assert places["Chad"].destination == 3
    assert main_place(list(places.values())).label == "Sudan (West Darfur)"


def test_places_outside_the_evidence_weigh_less(gazetteer: Gazetteer) -> None:
    text = "Our office is in Nairobi, Kenya. Shelling hit Goma in the DRC."
    sentences = split_sentences(text)
    places = gazetteer.find(text, [(s.start, s.end) for s in sentences], {1})
    assert main_place(places).label == "Democratic Republic of the Congo (Goma)"


def test_myanmar_sitrep_is_about_myanmar_not_where_refugees_arrived(scorer) -> None:  # noqa: ANN001
    result = scorer.score(SITREP.read_text(encoding="utf-8"))
    assert result.main.country == "MM", result.place
    # Myawaddy: "operations to retake positions south of Myawaddy", where the fighting is
    assert result.place == "Myanmar (Kayin State / Myawaddy)"
    thailand = next(p for p in result.places if p.name == "Thailand")
    assert thailand.destination == 2 and thailand.weight == 0


def test_an_unknown_country_code_in_the_yaml_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "places.yaml"
    bad.write_text(
        "countries: {}\ntowns: []\n"
        "regions:\n  - {name: Nowhere, country: XX, lat: 1, lon: 2, aliases: []}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"places.yaml:4:5: unknown country code 'XX'"):
        Gazetteer(bad)


def test_names_are_looked_up_only_after_a_known_first_word(gazetteer: Gazetteer) -> None:
    """The first-word shortcut finds what looking up every run of up to four words finds,
    on the dev sets' real text."""
    from warning import places

    def every_size(words: list[str], i: int, arabic: bool) -> int:
        if not (arabic or words[i][:1].isupper()):
            return 0
        for size in range(min(places.WORDS_PER_NAME, len(words) - i), 0, -1):
            if places._key(words[i : i + size]) in gazetteer.names:
                return size
        return 0

    texts = [
        line
        for path in sorted((REPO / "bench" / "data").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    shortcut = [gazetteer._mentions(text) for text in texts]
    brute = Gazetteer.__new__(Gazetteer)
    brute.names, brute.entries = gazetteer.names, gazetteer.entries
    brute.countries = gazetteer.countries
    brute._name_size = every_size  # type: ignore[method-assign]
    assert shortcut == [brute._mentions(text) for text in texts]
    assert sum(map(len, shortcut)) > 500


def test_three_places_of_one_country_name_it_when_the_report_does_not(
    gazetteer: Gazetteer,
) -> None:
    """A cyclone report names Pebane, Zambezia, Nampula and Quelimane but not Mozambique:
    small towns alone are not trusted, but three or more places that all lie in one country
    (and in no other as many) name it. Two are not enough."""
    text = (
        "The cyclone came ashore near the coastal town of Pebane on Sunday. About 14,000 "
        "people spent the night in centres in Zambezia and Nampula provinces, and teams "
        "were due to leave Quelimane."
    )
    main = main_place(places_in(gazetteer, text))
    assert main.country == "MZ", places_in(gazetteer, text)
    assert "Pebane" in main.towns
    two = "The cyclone came ashore near the coastal town of Pebane, then moved on to Quelimane."
    assert main_place(places_in(gazetteer, two)).country == ""
