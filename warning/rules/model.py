"""The rule language as analysts write it in `rules/*.yaml`, parsed into frozen models.

A signal file:            A severity file:
    signal: siege             severity:
    description: ...            - when: {all: [siege, comms_blackout]}
    indicators: ["13.8"]          level: high
    rules: [Rule, ...]            why: ...
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)

from warning.config import Seconds
from warning.levels import Severity

Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]  # ISO 639-1, e.g. fr
TermList = Annotated[list[Term], Field(min_length=1)]
# A plain list applies to every language; a mapping gives each language its own list.
Terms = TermList | Annotated[dict[Language, TermList], Field(min_length=1)]
# A test text: a plain string is English; {fr: "..."} names its language.
TestText = str | Annotated[dict[Language, str], Field(min_length=1, max_length=1)]
RULE_ID = r"^[a-z0-9_]+(\.[a-z0-9_-]+)+$"
SIGNAL = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Near(Strict):
    """Terms that must stand within `within` words of what the conditions before it matched."""

    any: Terms
    within: int = Field(5, ge=0, le=50)
    order: bool = False  # true: the terms must come after what matched before


class Count(Strict):
    """A number of at least `at_least` within `within` words of what matched before it."""

    at_least: int = Field(ge=1)
    within: int = Field(6, ge=0, le=50)


class Condition(Strict):
    """Exactly one of: `any` (a term list, or conditions of which one must hold), `all`
    (conditions that must all hold), and inside an `all`, after another condition: `near`
    (terms close by) or `count` (a large enough number close by)."""

    any: TermsOrConditions | None = None
    all: Annotated[list[Condition], Field(min_length=1)] | None = None
    near: Near | None = None
    count: Count | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        given = [key for key in ("any", "all", "near", "count") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a condition needs exactly one of any, all, near, count (got {given or 'none'})"
            )
        return self


Alternatives = Annotated[list[Condition], Field(min_length=1)]


def _shape(value: object) -> str | None:
    """Which kind an `any` or `none` is, so that an error speaks of that kind only: a
    mapping of languages, a list of conditions (mappings), or of terms; None if mixed."""
    if isinstance(value, dict):
        return "languages"
    if not isinstance(value, list):
        return "terms"
    kinds = {isinstance(item, dict | BaseModel) for item in value}
    return None if len(kinds) > 1 else "conditions" if kinds == {True} else "terms"


TermsOrConditions = Annotated[
    Annotated[TermList, Tag("terms")]
    | Annotated[dict[Language, TermList], Tag("languages"), Field(min_length=1)]
    | Annotated[Alternatives, Tag("conditions")],
    Discriminator(
        _shape,
        custom_error_type="mixed",
        custom_error_message="a list of terms or a list of conditions, not both",
    ),
]
Condition.model_rebuild()


class RuleTests(Strict):
    match: Annotated[list[TestText], Field(min_length=1)]
    no_match: list[TestText] = []


class Conditional(Strict):
    """What rules and context rules share: exactly one of `any` or `all`, and tests."""

    any: TermsOrConditions | None = None
    all: Annotated[list[Condition], Field(min_length=1)] | None = None
    tests: RuleTests

    @model_validator(mode="after")
    def _one_condition(self) -> Conditional:
        if (self.any is None) == (self.all is None):
            raise ValueError("needs exactly one of 'any' or 'all'")
        return self

    @property
    def condition(self) -> Condition:
        return Condition(any=self.any) if self.any is not None else Condition(all=self.all)


class Rule(Conditional):
    id: Annotated[str, StringConstraints(pattern=RULE_ID)]
    description: str
    # Cancels the rule in a sentence that holds one of these terms, or one of these
    # conditions (a `near` or `count` there is measured from what the rule matched).
    none: TermsOrConditions = []
    weight: float = Field(0.5, gt=0, le=1)
    scope: Literal["sentence", "report"] = "sentence"  # where all conditions must hold together
    # Weighted keywords: the distinct terms of the rule found together must weigh at least
    # `threshold`; a term weighs 1 unless `weights` says otherwise.
    weights: dict[str, float] = {}
    threshold: float = Field(0.0, ge=0)


class ContextRule(Conditional):
    """Words around a hit that weaken or cancel it: history, fiction, sport, denial."""

    id: Annotated[str, StringConstraints(pattern=r"^context\.[a-z0-9_-]+$")]
    description: str
    signals: list[str] = []  # empty: every signal
    factor: float = Field(0.0, ge=0, lt=1)  # a hit's weight is multiplied by this; 0 cancels it
    # "sentence": the context weakens hits in the sentence it holds in; "lead": when it
    # holds in the report's first two sentences (its lead), it weakens every sentence
    scope: Literal["sentence", "lead"] = "sentence"
    # words that stop the context in a sentence: a new event told beside an old one ("on the
    # anniversary of the massacre, gunmen attacked the village again, killing 14")
    unless: Terms | None = None


class CauseRule(Conditional):
    """Words that name why a signal happened ("floods" for displacement): the cause whose
    words stand in the signal's evidence sentences (else elsewhere in the report) is
    named in the alert; none or several: "unknown"."""

    cause: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*$")]
    description: str


class ContextFile(Strict):
    context: Annotated[list[ContextRule], Field(min_length=1)]


class SignalFile(Strict):
    signal: Annotated[str, StringConstraints(pattern=SIGNAL)]
    description: str
    indicators: list[str] = []
    # added to the labels of alerts where this signal fired (routes match them): {desk: protection}
    labels: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], str] = {}
    rules: Annotated[list[Rule], Field(min_length=1)]
    causes: list[CauseRule] = []

    @model_validator(mode="after")
    def _ids_belong(self) -> SignalFile:
        for rule in self.rules:
            if not rule.id.startswith(f"{self.signal}."):
                raise ValueError(f"rule id '{rule.id}' must start with '{self.signal}.'")
        return self

    @field_validator("causes")
    @classmethod
    def _causes_distinct(cls, causes: list[CauseRule]) -> list[CauseRule]:
        names = [c.cause for c in causes]
        if len(set(names)) < len(names) or "unknown" in names:
            raise ValueError("each cause is named once, and never 'unknown' (that is the default)")
        return causes


class When(Strict):
    all: list[str] = []
    any: list[str] = []
    count: int = Field(0, ge=0)  # at least this many signals fired

    @model_validator(mode="after")
    def _not_empty(self) -> When:
        if not (self.all or self.any or self.count):
            raise ValueError("'when' needs all, any or count")
        return self

    def holds(self, fired: set[str]) -> bool:
        return (
            set(self.all) <= fired
            and (not self.any or bool(fired & set(self.any)))
            and len(fired) >= self.count
        )


class SeverityRule(Strict):
    when: When
    level: Severity
    why: str
    # Also across reports: signals of reports about the same place within this time count.
    across: Seconds | None = None


class SeverityFile(Strict):
    severity: Annotated[list[SeverityRule], Field(min_length=1)]


def terms_for(terms: Terms | None, language: str) -> list[str] | None:
    """The terms that apply to `language`: a plain list, else its own list, else the
    English one (so adding a language to one rule takes no rule away from it), else None."""
    if terms is None or isinstance(terms, list):
        return terms
    return terms.get(language, terms.get("en"))


def is_alternatives(value: object) -> bool:
    """True for an `any` or `none` that lists conditions rather than terms."""
    return isinstance(value, list) and bool(value) and isinstance(value[0], Condition)


def languages_of(value: object) -> set[str]:
    """Every language named by a term mapping anywhere inside a parsed rule."""
    if isinstance(value, BaseModel):
        return {
            lang for name in type(value).model_fields for lang in languages_of(getattr(value, name))
        }
    if isinstance(value, dict):
        return set(value) | {lang for v in value.values() for lang in languages_of(v)}
    if isinstance(value, list):
        return {lang for v in value for lang in languages_of(v)}
    return set()
