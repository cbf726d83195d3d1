"""Request and response models of the look-back routes (they also feed OpenAPI)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from server.api_types import Strict
from server.reflections.questions import BY_ID, QUESTIONS


class LookBackScaleOut(BaseModel):
    """A five-point scale with one label per value."""

    min: int
    max: int
    labels: list[str]


class LookBackQuestionOut(BaseModel):
    """One look-back question and the Learn cards that say more about it."""

    id: str
    text: str
    scale: LookBackScaleOut
    learn: list[str]


class LookBackQuestionsOut(BaseModel):
    """``{"questions": [...]}``."""

    questions: list[LookBackQuestionOut]


class ReflectionAnswerIn(Strict):
    """One answer: a look-back question and a value on its scale."""

    question_id: str = Field(max_length=64)
    value: int

    @field_validator("question_id")
    @classmethod
    def known_question(cls, question_id: str) -> str:
        """Only the look back's own questions."""
        if question_id not in BY_ID:
            raise ValueError("Not a question of the monthly look back.")
        return question_id


class ReflectionIn(Strict):
    """A monthly look back: some or all of the eight answers, and an optional note."""

    answers: list[ReflectionAnswerIn] = Field(min_length=1, max_length=len(QUESTIONS))
    note: str | None = Field(default=None, max_length=1000)

    @field_validator("answers")
    @classmethod
    def one_answer_each(cls, answers: list[ReflectionAnswerIn]) -> list[ReflectionAnswerIn]:
        """Each question answered at most once, on its scale."""
        ids = [answer.question_id for answer in answers]
        if len(set(ids)) != len(ids):
            raise ValueError("Answer each question at most once.")
        for answer in answers:
            top = len(BY_ID[answer.question_id].labels)
            if not 1 <= answer.value <= top:
                raise ValueError(f"Choose a value from 1 to {top} for {answer.question_id}.")
        return answers


class ReflectionAnswerOut(BaseModel):
    """One stored answer."""

    question_id: str
    value: int


class ReflectionOut(BaseModel):
    """One look back as the person gave it."""

    id: int
    created_at: datetime
    note: str | None
    answers: list[ReflectionAnswerOut]


class ReflectionEnvelope(BaseModel):
    """``{"reflection": Reflection}``."""

    reflection: ReflectionOut


class ReflectionsOut(BaseModel):
    """``{"reflections": [...]}`` newest first."""

    reflections: list[ReflectionOut]


class ReflectionsQuery(Strict):
    """How many look backs to return (a year by default)."""

    limit: int = Field(default=12, ge=1, le=120)
