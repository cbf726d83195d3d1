"""The eight look-back questions: our own everyday wording, not a published instrument.

Each is answered on a five-point scale and names the Learn cards that say more
about it. Texts may use the role placeholders of ``server.accounts.roles``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.accounts.roles import fill

AMOUNT = ("Not at all", "A little", "Somewhat", "Quite a bit", "A lot")
HOW_OFTEN = ("Never", "Rarely", "Sometimes", "Often", "Very often")


@dataclass(frozen=True)
class LookBackQuestion:
    """One question of the monthly look back."""

    id: str
    text: str
    labels: tuple[str, ...]
    learn: tuple[str, ...]

    def public(self, role: str | None) -> dict[str, Any]:
        """The question as the API shows it, in ``role``'s words."""
        return {
            "id": self.id,
            "text": fill(self.text, role),
            "scale": {"min": 1, "max": len(self.labels), "labels": list(self.labels)},
            "learn": list(self.learn),
        }


QUESTIONS: tuple[LookBackQuestion, ...] = (
    LookBackQuestion(
        "enjoyment",
        "This month, how much have you enjoyed your work?",
        AMOUNT,
        ("burnout", "protecting-yourself"),
    ),
    LookBackQuestion(
        "support",
        "How supported have you felt by the people around you?",
        AMOUNT,
        ("asking-for-support",),
    ),
    LookBackQuestion(
        "difference",
        "How much have you felt you make a difference for {people}?",
        AMOUNT,
        ("compassion-fatigue",),
    ),
    LookBackQuestion(
        "supervisor",
        "How much has your supervisor or lead backed you up?",
        AMOUNT,
        ("asking-for-support", "boundaries"),
    ),
    LookBackQuestion(
        "dread",
        "How much have you dreaded a new {encounter} or hearing what someone went through?",
        AMOUNT,
        ("secondary-traumatic-stress", "early-signs"),
    ),
    LookBackQuestion(
        "crises",
        "How often have you seen a possible crisis in ordinary moments?",
        HOW_OFTEN,
        ("vicarious-trauma", "stress-in-body"),
    ),
    LookBackQuestion(
        "safety",
        "How often have you worried about safety in ordinary places, like shops or buses?",
        HOW_OFTEN,
        ("stress-in-body", "early-signs"),
    ),
    LookBackQuestion(
        "outlook",
        "How hopeful has the world felt to you?",
        AMOUNT,
        ("vicarious-trauma", "recovery"),
    ),
)
BY_ID = {question.id: question for question in QUESTIONS}
