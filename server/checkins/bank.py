"""The question bank: a JSON file of check-in questions, validated on load.

Tend ships its own questions (``questions.json`` beside this module, schema in
``QUESTIONS.md``). An organisation can point ``TEND_QUESTION_BANK`` at a file of
its own, for example a licensed instrument. A bad file fails loudly, naming the
question that is wrong, so a typo is found at start-up rather than in a
notification.
"""

from __future__ import annotations

from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from server.accounts.roles import every_filling, fill, unknown_placeholders
from server.datafiles import item_location, read_json, validation_message

DEFAULT_BANK_PATH = Path(__file__).with_name("questions.json")
MAX_TEXT_LENGTH = 90
IDENTIFIER = r"^[a-z][a-z0-9_.-]{0,63}$"

Identifier = Annotated[str, Field(pattern=IDENTIFIER)]
Direction = Literal["higher_is_better", "higher_is_worse"]


class BankError(ValueError):
    """The question bank file cannot be used; the message names the bad item."""


class Frozen(BaseModel):
    """Bank items are shared by every request, so nobody may change them."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class QuickAnswer(Frozen):
    """One answer offered as a notification action button."""

    value: int
    title: str = Field(min_length=1, max_length=24)


class Scale(Frozen):
    """An answer scale from ``min`` to ``max`` with one label per value."""

    min: int
    max: int
    labels: tuple[Annotated[str, Field(min_length=1, max_length=40)], ...]
    quick_answers: tuple[QuickAnswer, ...] = ()

    @model_validator(mode="after")
    def labels_fit_the_range(self) -> Scale:
        """A scale needs at least two points and exactly one label for each."""
        if self.max <= self.min:
            raise ValueError("max must be greater than min")
        if len(self.labels) != self.max - self.min + 1:
            raise ValueError(
                f"labels must have {self.max - self.min + 1} entries, one per value "
                f"from {self.min} to {self.max}"
            )
        check_quick_answers(self.quick_answers, self)
        return self

    def label(self, value: int) -> str:
        """The label shown for ``value``."""
        return self.labels[value - self.min]

    def contains(self, value: int) -> bool:
        """Whether ``value`` is a point on this scale."""
        return self.min <= value <= self.max


class Domain(Frozen):
    """An area of life the questions look at, with a title for people.

    ``higher_is_better`` says how its title reads: "Making a difference" is better
    when higher, "Bracing for the next case" worse. Trends draw each topic that way.
    """

    title: str = Field(min_length=1, max_length=60)
    higher_is_better: bool = False


class Question(Frozen):
    """One check-in question with its resolved scale and quick answers."""

    id: Identifier
    domain: Identifier
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    scale: Scale
    direction: Direction
    quick_answers: tuple[QuickAnswer, ...] = Field(min_length=1, max_length=2)

    @model_validator(mode="after")
    def quick_answers_on_scale(self) -> Question:
        """Quick answers must be values of the question's scale."""
        check_quick_answers(self.quick_answers, self.scale)
        return self

    @model_validator(mode="after")
    def placeholders_fit_every_role(self) -> Question:
        """Only known placeholders, and the text still fits a notification once filled."""
        check_placeholders(self.text, MAX_TEXT_LENGTH)
        return self

    def worded(self, role: str | None) -> Question:
        """This question with its placeholders filled for ``role``."""
        text = fill(self.text, role)
        return self if text == self.text else self.model_copy(update={"text": text})

    def public(self) -> dict[str, Any]:
        """The question as the API shows it."""
        return {
            "id": self.id,
            "domain": self.domain,
            "text": self.text,
            "scale": {
                "min": self.scale.min,
                "max": self.scale.max,
                "labels": list(self.scale.labels),
            },
            "direction": self.direction,
            "quick_answers": [answer.model_dump() for answer in self.quick_answers],
        }


class QuestionBank(Frozen):
    """Every question of the bank and the domains they belong to."""

    name: str
    language: str = "en"
    domains: dict[str, Domain]
    questions: tuple[Question, ...]

    @model_validator(mode="after")
    def consistent(self) -> QuestionBank:
        """Unique ids, known domains, and at least one question in every domain."""
        seen: set[str] = set()
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"question id {question.id!r} is used twice")
            seen.add(question.id)
            if question.domain not in self.domains:
                raise ValueError(
                    f"question {question.id!r} names unknown domain {question.domain!r}"
                )
        empty = [name for name in self.domains if not self.in_domain(name)]
        if empty:
            raise ValueError(f"domains without questions: {', '.join(empty)}")
        return self

    def get(self, question_id: str) -> Question | None:
        """The question with ``question_id``, or None."""
        return self._by_id.get(question_id)

    def by_id(self) -> dict[str, Question]:
        """Questions keyed by id."""
        return dict(self._by_id)

    def in_domain(self, domain: str) -> list[Question]:
        """The questions of one domain, in file order."""
        return list(self._by_domain.get(domain, ()))

    # Scoring and selection look questions up once per answer; the bank never
    # changes after loading, so the indexes are built once.
    @cached_property
    def _by_id(self) -> dict[str, Question]:
        return {question.id: question for question in self.questions}

    @cached_property
    def _by_domain(self) -> dict[str, tuple[Question, ...]]:
        grouped: dict[str, list[Question]] = {}
        for question in self.questions:
            grouped.setdefault(question.domain, []).append(question)
        return {name: tuple(items) for name, items in grouped.items()}

    def worded(self, role: str | None) -> QuestionBank:
        """The bank with every question's placeholders filled for ``role`` (built once)."""
        key = role or ""
        if key not in self._worded:
            questions = tuple(question.worded(role) for question in self.questions)
            self._worded[key] = self.model_copy(update={"questions": questions})
        return self._worded[key]

    @cached_property
    def _worded(self) -> dict[str, QuestionBank]:
        return {}

    def domain_reads_up(self, domain: str) -> bool:
        """Whether ``domain``'s title reads better when higher (False when unknown)."""
        known = self.domains.get(domain)
        return bool(known and known.higher_is_better)

    def domain_title(self, domain: str) -> str:
        """The title of ``domain`` for people (the id itself when unknown)."""
        known = self.domains.get(domain)
        return known.title if known else domain


def check_quick_answers(answers: tuple[QuickAnswer, ...], scale: Scale) -> None:
    """Raise ValueError unless every quick answer is a distinct value on ``scale``."""
    values = [answer.value for answer in answers]
    if len(set(values)) != len(values):
        raise ValueError("quick answers must have different values")
    for value in values:
        if not scale.contains(value):
            raise ValueError(f"quick answer {value} is outside the scale {scale.min}-{scale.max}")


def check_placeholders(text: str, max_length: int) -> None:
    """Raise ValueError for an unknown placeholder or a text too long for some role."""
    unknown = unknown_placeholders(text)
    if unknown:
        raise ValueError(
            "unknown placeholder "
            + ", ".join(f"{{{name}}}" for name in unknown)
            + " (use {person}, {people}, {encounter} or {encounters})"
        )
    for role, filled in every_filling(text).items():
        if len(filled) > max_length:
            raise ValueError(
                f"text is {len(filled)} characters for the role {role or 'none'}, "
                f"at most {max_length}: {filled!r}"
            )


def resolve_question(raw: Any, scales: dict[str, Any]) -> Any:
    """Replace a named scale with its definition and fill in the scale's quick answers."""
    if not isinstance(raw, dict):
        return raw
    item = dict(raw)
    scale = item.get("scale")
    if isinstance(scale, str):
        if scale not in scales:
            raise BankError(f"unknown scale {scale!r}")
        scale = scales[scale]
        item["scale"] = scale
    if "quick_answers" not in item and isinstance(scale, dict):
        item["quick_answers"] = scale.get("quick_answers", [])
    return item


def describe_location(loc: tuple, raw_questions: list) -> str:
    """Turn a pydantic error location into words naming the question."""
    return item_location(loc, raw_questions, "questions", "question", "bank")


def parse_bank(data: Any, source: str = "question bank") -> QuestionBank:
    """Validate raw bank data (as read from JSON); BankError names the bad item."""
    if not isinstance(data, dict):
        raise BankError(f"{source}: the file must hold a JSON object")
    scales = data.get("scales", {})
    if not isinstance(scales, dict):
        raise BankError(f"{source}: 'scales' must be an object of named scales")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise BankError(f"{source}: 'questions' must be a non-empty list")
    resolved = []
    for index, raw in enumerate(raw_questions):
        try:
            resolved.append(resolve_question(raw, scales))
        except BankError as exc:
            where = describe_location(("questions", index), raw_questions)
            raise BankError(f"{source}: {where}: {exc}") from None
    body = {key: value for key, value in data.items() if key not in {"scales", "version"}}
    body["questions"] = resolved
    try:
        return QuestionBank.model_validate(body)
    except ValidationError as exc:
        problems = validation_message(exc, raw_questions, "questions", "question", "bank")
        raise BankError(f"{source}: {problems}") from None


def bank_path(path: str | None) -> Path:
    """The bank file to use: ``path`` (the app's ``TEND_QUESTION_BANK``), else the built-in one."""
    return Path(path).resolve() if path else DEFAULT_BANK_PATH


def load_bank(path: str | None = None) -> QuestionBank:
    """Load and validate a question bank, cached per file path."""
    return _load_bank_file(str(bank_path(path)))


@cache
def _load_bank_file(path: str) -> QuestionBank:
    data = read_json(path, "question bank", BankError)
    return parse_bank(data, f"question bank {path}")
