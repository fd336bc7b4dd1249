"""The rule language v1: terms, inflections, wildcards, phrases, near, exclusions, numbers."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from warning.rules.compiler import inflections
from warning.rules.matcher import (
    LEAD,
    Hits,
    Holding,
    _context_holds,
    cause_sentences,
    evaluate,
    find_terms,
    match_rules,
)
from warning.rules.pack import load_pack, matching_rules, run_tests
from warning.text import split_sentences, tokenize
from warning.yamlio import InputError

SIGNAL = """signal: siege
description: test
rules:
  - id: siege.r
    description: test rule
{body}
    tests:
      match: [placeholder]
"""
SEVERITY = "severity:\n  - when: {count: 1}\n    level: low\n    why: one\n"


def pack_with(tmp_path: Path, body: str):  # noqa: ANN201
    (tmp_path / "siege.yaml").write_text(SIGNAL.format(body=body))
    (tmp_path / "severity.yaml").write_text(SEVERITY)
    return load_pack(tmp_path).rules_for("en")


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("besiege", {"besieges", "besieged", "besieging"}),
        ("cut", {"cuts", "cutting"}),
        ("flee", {"flees", "fleeing"}),
        ("carry", {"carries", "carried"}),
        ("push", {"pushes", "pushed"}),
    ],
)
def test_inflections(word: str, forms: set[str]) -> None:
    assert forms <= inflections(word)


def test_inflections_do_not_invent_plural_es() -> None:
    assert "wares" not in inflections("war")


def test_term_matches_inflections_case_insensitively(tmp_path: Path) -> None:
    rules = pack_with(tmp_path, "    any: [besiege]")
    assert matching_rules(rules, "The town was BESIEGED for weeks.") == {"siege.r"}
    assert matching_rules(rules, "A siege engine.") == set()


def test_wildcard_and_phrase(tmp_path: Path) -> None:
    rules = pack_with(tmp_path, "    any: [encircl*, cut off from]")
    assert matching_rules(rules, "Troops are encircling the city.") == {"siege.r"}
    assert matching_rules(rules, "The village is cut off from the world.") == {"siege.r"}
    assert matching_rules(rules, "The village is cut and off from the world.") == set()


def test_phrase_never_spans_two_sentences(tmp_path: Path) -> None:
    rules = pack_with(tmp_path, "    any: [cut off]")
    assert matching_rules(rules, "They made the cut. Off they went.") == set()


NEAR = """    all:
      - any: [besieged]
      - near: {any: [people, "{number}"], within: 3}"""


def test_near_counts_words_between(tmp_path: Path) -> None:
    rules = pack_with(tmp_path, NEAR)
    assert matching_rules(rules, "200,000 Kurds were besieged.") == {"siege.r"}
    assert matching_rules(rules, "people in town were besieged") == {"siege.r"}  # 3 words between
    assert matching_rules(rules, "people in the town were besieged") == set()  # 4 words between
    assert matching_rules(rules, "Thousands were besieged.") == {"siege.r"}  # number word


def test_near_is_per_sentence(tmp_path: Path) -> None:
    rules = pack_with(tmp_path, NEAR)
    assert matching_rules(rules, "Many people came. They were besieged.") == set()


def test_exclusion_cancels_the_sentence_only(tmp_path: Path) -> None:
    rules = pack_with(tmp_path, "    any: [besieged]\n    none: [fans]")
    assert matching_rules(rules, "The singer was besieged by fans.") == set()
    assert matching_rules(rules, "Fans cheered. The town was besieged.") == {"siege.r"}


def test_shipped_pack_tests_all_pass() -> None:
    pack = load_pack()
    assert len(pack.tests) >= 50
    assert run_tests(pack) == []
    assert {
        "displacement",
        "siege",
        "comms_blackout",
        "mass_atrocity_risk",
        "armed_escalation",
    } <= set(pack.signals)
    for rule in pack.rules_for("en").rules:
        assert any(t.rule == rule.id and t.should_match for t in pack.tests), rule.id
        assert any(t.rule == rule.id and not t.should_match for t in pack.tests), rule.id


def test_failing_rule_test_names_rule_and_text(tmp_path: Path) -> None:
    (tmp_path / "siege.yaml").write_text(SIGNAL.format(body="    any: [besieged]"))
    (tmp_path / "severity.yaml").write_text(SEVERITY)
    failures = run_tests(load_pack(tmp_path))
    assert failures == [
        f"{tmp_path / 'siege.yaml'}:8:15: rule siege.r did not match: 'placeholder'"
    ]


@pytest.mark.parametrize(
    ("text", "fired"),
    [
        # an armed attack on civilians is both (bench/data/README.md, how items are labelled)
        (
            "Gunmen killed eleven villagers and burned their homes.",
            {"mass_atrocity_risk", "armed_escalation"},
        ),
        ("Thousands gathered for the 30th anniversary of the massacre.", set()),
        ("The visitors laid siege to the goal for the whole second half.", set()),
        # context.sport: no rule's own 'none' foresaw "trapped residents of the stands"
        ("The goalkeeper was stranded as trapped residents of the stands cheered.", set()),
        (
            "Gunmen attacked the stadium and killed eleven fans.",
            {"mass_atrocity_risk", "armed_escalation"},
        ),
        ("Authorities shut down the internet across the region.", {"comms_blackout"}),
        # context.outage: a technical cause, not a blackout imposed by anyone
        ("Phone and internet service was cut in the city after relay antennas lost power.", set()),
    ],
)
def test_near_misses_and_plain_wording(scorer, text: str, fired: set[str]) -> None:  # noqa: ANN001
    assert {s.name for s in scorer.score(text).signals} == fired


COUNT = """    all:
      - any: [displaced, fled]
      - count: {at_least: 10000, within: 6}"""


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("More than 12,000 people fled the fighting.", True),
        ("Tens of thousands of families were displaced.", True),
        ("2.5 million people have been displaced since April.", True),
        ("About 300 people fled the fighting.", False),
        ("Dozens of families were displaced.", False),
    ],
)
def test_count_compares_numbers_near_terms(tmp_path: Path, text: str, fires: bool) -> None:
    rules = pack_with(tmp_path, COUNT)
    assert (matching_rules(rules, text) == {"siege.r"}) is fires


def test_figures_are_shown_with_the_hit(scorer) -> None:  # noqa: ANN001
    result = scorer.score("Around 200,000 people were besieged in the city by armed factions.")
    siege = next(s for s in result.signals if s.name == "siege")
    assert 200000 in siege.hits[0].figures


def test_near_with_order(tmp_path: Path) -> None:
    rules = pack_with(
        tmp_path,
        """    all:
      - any: [shelling]
      - near: {any: [hospital], within: 4, order: true}""",
    )
    assert matching_rules(rules, "Shelling hit the hospital.") == {"siege.r"}
    assert matching_rules(rules, "The hospital reported shelling.") == set()


def test_report_scope_joins_sentences(tmp_path: Path) -> None:
    body = """    scope: report
    all:
      - any: [besieged]
      - near: {any: [hunger], within: 30}"""
    rules = pack_with(tmp_path, body)
    assert matching_rules(rules, "The town is besieged. Hunger is spreading.") == {"siege.r"}
    sentence_rules = pack_with(tmp_path, body.replace("    scope: report\n", ""))
    assert matching_rules(sentence_rules, "The town is besieged. Hunger is spreading.") == set()


def test_regular_expression_terms(tmp_path: Path) -> None:
    rules = pack_with(tmp_path, r"    any: ['re:killed \d+ (?:civilians|villagers)']")
    assert matching_rules(rules, "Gunmen KILLED 11 villagers at dawn.") == {"siege.r"}
    assert matching_rules(rules, "Gunmen killed villagers at dawn.") == set()


def test_catastrophic_regular_expression_is_refused(tmp_path: Path) -> None:
    (tmp_path / "siege.yaml").write_text(SIGNAL.format(body="    any: ['re:(a+)+b']"))
    (tmp_path / "severity.yaml").write_text(SEVERITY)
    with pytest.raises(InputError) as caught:
        load_pack(tmp_path)
    assert str(caught.value).startswith(
        f"{tmp_path / 'siege.yaml'}:4:5: rule siege.r: regular expression"
    )
    assert "exponential" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("La ville de 40 000 habitants est assiégée par les milices depuis trois semaines.", "fr"),
        ("المدينة التي يسكنها 40 ألف شخص محاصرة من قبل الميليشيات منذ ثلاثة أسابيع.", "ar"),
        (
            "La ciudad de 40.000 habitantes está sitiada por las milicias desde hace tres semanas.",
            "es",
        ),
    ],
)
def test_besieged_town_fires_siege_in_each_language(scorer, text: str, language: str) -> None:  # noqa: ANN001
    result = scorer.score(text)
    assert result.language == language
    siege = next(s for s in result.signals if s.name == "siege")
    assert siege.hits and siege.hits[0].quote == text


def test_every_default_signal_has_four_languages() -> None:
    pack = load_pack()
    assert {"en", "fr", "ar", "es"} <= set(pack.sets)
    assert len(pack.signals) >= 7
    for language in ("fr", "ar", "es"):
        signals = {rule.signal for rule in pack.rules_for(language).rules}
        assert signals == set(pack.signals), (language, set(pack.signals) - signals)


def test_weighted_terms_and_threshold(tmp_path: Path) -> None:
    rules = pack_with(
        tmp_path,
        """    any: [vermin, cockroaches, traitors, exterminate]
    weights: {exterminate: 2}
    threshold: 2""",
    )
    assert matching_rules(rules, "They called the villagers traitors.") == set()  # 1 < 2
    assert matching_rules(rules, "They called them vermin and traitors.") == {"siege.r"}  # 1 + 1
    assert matching_rules(rules, "The broadcast urged listeners to exterminate them.") == {
        "siege.r"
    }


def test_a_language_without_its_own_list_uses_the_english_one(tmp_path: Path) -> None:
    (tmp_path / "siege.yaml").write_text(
        SIGNAL.format(body="    any: {en: [besieged], fr: [assiégée]}")
    )
    (tmp_path / "severity.yaml").write_text(SEVERITY)
    pack = load_pack(tmp_path)
    assert matching_rules(pack.rules_for("fr"), "La ville est assiégée.") == {"siege.r"}
    assert matching_rules(pack.rules_for("de"), "Wir sind besieged.") == {"siege.r"}


def test_a_star_inside_a_word_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "siege.yaml").write_text(SIGNAL.format(body="    any: [dis*ced]"))
    (tmp_path / "severity.yaml").write_text(SEVERITY)
    with pytest.raises(InputError, match=r"'\*' may only end a word"):
        load_pack(tmp_path)


def test_regular_expression_must_end_on_a_word_edge(tmp_path: Path) -> None:
    rules = pack_with(tmp_path, r"    any: ['re:ipc phase [45]']")
    assert matching_rules(rules, "The area is in IPC phase 4 now.") == {"siege.r"}
    assert matching_rules(rules, "The area is in IPC phase 45 now.") == set()


def test_any_of_conditions(tmp_path: Path) -> None:
    rules = pack_with(
        tmp_path,
        """    all:
      - any:
          - all: [{any: [besieged]}, {near: {any: [town], within: 5}}]
          - all: [{any: [encircled]}, {count: {at_least: 1000, within: 5}}]
      - near: {any: [people, residents], within: 10}""",
    )
    assert matching_rules(rules, "The town of 20,000 people was besieged.") == {"siege.r"}
    assert matching_rules(rules, "Some 30,000 residents were encircled.") == {"siege.r"}
    # each alternative needs all of its own conditions, and the outer 'near' still applies
    assert matching_rules(rules, "Some 300 residents were encircled.") == set()
    assert (
        matching_rules(rules, "People said the besieged were hungry in that far mountain town.")
        == set()
    )
    assert matching_rules(rules, "The town was besieged.") == set()


def test_none_conditions_are_measured_from_the_match(tmp_path: Path) -> None:
    rules = pack_with(
        tmp_path,
        """    all:
      - any: [besieged]
      - near: {any: [town], within: 3}
    none:
      - near: {any: [goal], within: 2}
      - all: [{any: [video game]}, {near: {any: [players], within: 3}}]""",
    )
    assert matching_rules(rules, "The besieged town stood firm.") == {"siege.r"}
    assert matching_rules(rules, "The besieged town goal was packed.") == set()
    # 'goal' far from what matched does not cancel it
    assert matching_rules(rules, "The besieged town stood firm while aid agencies set a goal.") == {
        "siege.r"
    }
    assert matching_rules(rules, "In the video game players defend a besieged town.") == set()
    assert matching_rules(rules, "A video game, and a besieged town.") == {"siege.r"}


def test_explain_names_the_none_words_that_cancelled(tmp_path: Path) -> None:
    rules = pack_with(
        tmp_path,
        """    any: [besieged]
    none:
      - near: {any: [goal], within: 2}""",
    )
    text = "Their besieged goal held."
    matches = match_rules(rules, tokenize(text, split_sentences(text)))
    assert [(m.factor, m.excluded_by) for m in matches] == [(0.0, "goal")]


def test_context_weakens_the_classifier_vote_of_its_sentence(scorer) -> None:  # noqa: ANN001
    """A denied siege stays denied: the classifier alone (p 0.9 unweakened) cannot bring
    it back and make the report critical."""
    text = (
        "The army denied that the besieged city of 200,000 residents was encircled. "
        "Communications have been cut in the area, raising fears of possible massacres."
    )
    assessment = scorer.score(text)
    assert "siege" not in {s.name for s in assessment.signals}
    assert assessment.severity.value == "high"
    undamped = scorer.classifier.votes([s.text for s in split_sentences(text)])
    assert undamped["siege"].probability > 0.8  # what the context rule took away


RECALLED = "Older residents recalled the day when soldiers shot dead fishermen as they fled."


def test_a_commemoration_in_the_lead_weakens_the_whole_report(scorer) -> None:  # noqa: ANN001
    """context.commemoration has `scope: lead`: named in the first two sentences, it
    weakens the atrocity the report recalls further down; named later, it does not."""
    assert "mass_atrocity_risk" in {s.name for s in scorer.score(RECALLED).signals}
    lead = (
        "Hundreds gathered on Wednesday for the unveiling of a memorial to the victims of the "
        "1994 massacre in the port. A choir sang hymns and relatives laid flowers. "
    )
    assessment = scorer.score(lead + RECALLED)
    assert "mass_atrocity_risk" not in {s.name for s in assessment.signals}
    atrocity = next(s for s in assessment.scores if s.name == "mass_atrocity_risk")
    assert 0 < atrocity.rules < 0.5  # weakened, not cancelled
    later = "Soldiers shot dead twelve fishermen in the port on Monday. Thousands fled. "
    later += "The mayor said a memorial service would be held on Friday."
    assert "mass_atrocity_risk" in {s.name for s in scorer.score(later).signals}


def test_a_lead_context_must_hold_in_the_lead_of_its_tests(tmp_path: Path) -> None:
    signal = SIGNAL.format(body="    any: [besieged]")
    (tmp_path / "siege.yaml").write_text(signal.replace("placeholder", "The town is besieged."))
    (tmp_path / "severity.yaml").write_text(SEVERITY)
    (tmp_path / "context.yaml").write_text(
        "context:\n"
        "  - id: context.ceremony\n"
        "    scope: lead\n"
        "    description: test\n"
        "    any: [ceremony]\n"
        "    factor: 0.3\n"
        "    tests:\n"
        "      match: ['A ceremony was held. The town was besieged in 1812.',\n"
        "              'The town was besieged. It fell. A ceremony was held.']\n"
    )
    failures = run_tests(load_pack(tmp_path))
    assert len(failures) == 1, failures  # the second: its ceremony is in the third sentence
    assert "context.ceremony did not match" in failures[0] and "It fell" in failures[0]


@pytest.mark.parametrize(
    "text",
    [
        "On the tenth anniversary of the massacre, gunmen attacked the village again on "
        "Sunday, killing 14 civilians and burning homes.",
        "Gunmen attacked the village on Sunday, killing 14 civilians and burning homes, on "
        "the tenth anniversary of the massacre.",
    ],
)
def test_a_new_attack_told_beside_an_anniversary_still_alerts(scorer, text: str) -> None:  # noqa: ANN001
    """context.history cancels what an anniversary recalls, `unless` the sentence tells of a
    new attack ("again", "killing")."""
    assert "mass_atrocity_risk" in {s.name for s in scorer.score(text).signals}
    old = "Thousands gathered for the 30th anniversary of the massacre, in which soldiers shot "
    assert not scorer.score(old + "dead 300 villagers.").signals


def test_a_context_weakens_a_sentence_s_rules_together(scorer) -> None:  # noqa: ANN001
    """Six atrocity rules read one sentence dated to 2019: the dated-past context halves
    their evidence as a whole (weakened one by one, they would add up to 0.86 again)."""
    told = "Soldiers killed 300 villagers {}, burned their homes and executed the village chief."
    dated, now = (scorer.score(told.format(when)) for when in ("in April 2019", "on Sunday"))

    def rules(assessment):  # noqa: ANN001, ANN202
        return next(s.rules for s in assessment.scores if s.name == "mass_atrocity_risk")

    fired = [h.rule for s in dated.signals for h in s.hits if s.name == "mass_atrocity_risk"]
    assert len(fired) >= 4
    assert rules(now) > 0.95
    assert rules(dated) == pytest.approx(rules(now) / 2, abs=0.002)


def test_contexts_and_causes_found_by_term_are_those_a_full_scan_finds() -> None:
    """Context and cause rules are looked up by the terms of their first condition (a
    shortcut: a sentence holds a few terms, the pack has dozens of contexts). Over the text of
    every rule test of the shipped pack, each sentence's contexts, the lead's and the causes
    are the ones trying every context and cause finds."""
    pack, compared, reported = load_pack(), 0, 0
    for test in pack.tests:
        rules = pack.rules_for(test.language)
        found = find_terms(rules, tokenize(test.text, split_sentences(test.text)))
        holding = Holding(rules, found)
        lead = [
            c
            for c in rules.contexts
            if c.lead and any(_context_holds(c, found[s]) for s in range(LEAD) if s in found)
        ]
        assert holding.lead == lead, test.text
        causes: dict[str, dict[str, set[int]]] = {}
        for sentence, hits in found.items():
            own = [c for c in rules.contexts if not c.lead and _context_holds(c, hits)]
            assert holding.at(sentence) == own + lead, test.text
            compared += bool(own or lead)
            for cause in rules.causes:
                if evaluate(cause.condition, hits, []):
                    causes.setdefault(cause.signal, {}).setdefault(cause.cause, set()).add(sentence)
        assert cause_sentences(rules, found) == causes, test.text
        merged = Hits()  # report-scope rules: looked up by their first condition's terms too
        for hits in found.values():
            for term, spans in hits.items():
                merged[term].extend(spans)
        indexed = {i for term in merged for i in rules.report_rules_by_term.get(term, ())}
        for i, rule in enumerate(rules.rules):
            if rule.scope == "report" and evaluate(rule.condition, merged, []):
                assert i in indexed, (rule.id, test.text)
                reported += 1
    assert compared > 50  # the pack's tests hold contexts: the comparison is not empty
    assert reported > 5  # and report-scope rules that hold


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # "dispersed" with a shadda: one word, not "فر" (fled) and "قت"
        ("فرّقت الشرطة الاحتجاج", ("فرقت", "الشرطة", "الاحتجاج")),
        ("فرّ السكان", ("فر", "السكان")),  # "fled" with a shadda reads as the rules spell it
        ("نـزوح الأسر", ("نزوح", "الأسر")),  # a tatweel inside a word
        (unicodedata.normalize("NFD", "déplacés à Goma"), ("déplacés", "à", "goma")),
    ],
)
def test_combining_marks_stay_inside_their_word(text: str, words: tuple[str, ...]) -> None:
    tokens = tokenize(text, split_sentences(text))
    assert tokens.words == words
    # the offsets still point at the text as written, marks included
    assert [text.lower()[a:b] for a, b in zip(tokens.starts, tokens.ends, strict=True)] == [
        w for w in text.lower().split()
    ]


def test_a_shadda_does_not_make_dispersing_a_protest_flight(scorer) -> None:  # noqa: ANN001
    dispersed = "فرّقت الشرطة احتجاجاً في طرابلس واعتقلت عشرة أشخاص."
    assert "displacement" not in {s.name for s in scorer.score(dispersed).signals}
    assert "displacement" in {s.name for s in scorer.score("فرّ السكان من القصف.").signals}


def test_arabic_terms_also_match_after_the_joined_and(tmp_path: Path) -> None:
    """Arabic writes "and" joined to the next word: "الناس" is also "والناس", "محاصر*" also
    "ومحاصرة"; not for words under three letters, where "و" makes another word ("فر" fled,
    "وفر" provided)."""
    body = "    any:\n      ar: [الناس, محاصر*, فر]"
    (tmp_path / "siege.yaml").write_text(SIGNAL.format(body=body))
    (tmp_path / "severity.yaml").write_text(SEVERITY)
    rules = load_pack(tmp_path).rules_for("ar")
    assert matching_rules(rules, "خرج الكبار والناس جائعون") == {"siege.r"}
    assert matching_rules(rules, "المدينة ومحاصرة منذ شهر") == {"siege.r"}
    assert matching_rules(rules, "وفر الطعام للجميع") == set()
    english = pack_with(tmp_path, "    any: [people]")
    assert matching_rules(english, "wpeople") == set()


@pytest.mark.parametrize(
    ("text", "alone", "fired"),
    [
        ("Residents are besieged \u0301 in the town.", "\u0301", ["siege"]),
        ("المدينة ـ محاصرة", "ـ", ["siege"]),
        ("\u064b\u064b", "\u064b\u064b", []),
    ],
)
def test_a_word_of_marks_alone_is_kept_as_written(
    scorer,  # noqa: ANN001
    text: str,
    alone: str,
    fired: list[str],
) -> None:
    """A stray combining accent or a tatweel between words was an empty word, and the scorer
    raised IndexError on it, failing the daemon's whole scoring batch (bench/fuzz.py)."""
    assert alone in tokenize(text, split_sentences(text)).words
    assert [s.name for s in scorer.score(text).signals] == fired


def test_the_word_memo_holds_no_numbers_and_shares_entries(tmp_path: Path) -> None:
    """Numbers are found as terms but not remembered (each report's own reference or date
    would only fill the memo, up to the size limit, for ever); words that may start the
    same terms share one entry (a number-led phrase's index costs about a kilobyte)."""
    rules = pack_with(tmp_path, "    any: ['{number} families fled', fleeing]")
    for number in range(1000, 1300):
        text = f"Report {number}: {number} families fled, fleeing."
        found = find_terms(rules, tokenize(text, split_sentences(text)))
        assert sorted(len(spans) for spans in found[0].values()) == [1, 1], text
    assert not any(word[:1].isdecimal() for word in rules.starts_cache)
    assert {"report", "families", "fled", "fleeing"} <= set(rules.starts_cache)
    assert len(rules.starts_by_terms) < 10  # not one a number
    assert rules.starts_cache["report"] is rules.starts_cache["families"]  # start no term
