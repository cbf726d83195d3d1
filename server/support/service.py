"""The user's support: people they can turn to, what restores them, and crisis lines."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlmodel import Session

from server.accounts.models import User
from server.accounts.service import user_country
from server.support.crisis import crisis_lines_json, load_support_resources
from server.support.models import RestoringActivity, SupportPerson

MAX_PEOPLE = 20
MAX_ACTIVITIES = 30


def person_out(person: SupportPerson) -> dict:
    """The API's view of a support person."""
    return {"id": person.id, "name": person.name, "contact": person.contact, "note": person.note}


def activity_out(activity: RestoringActivity) -> dict:
    """The API's view of a restoring activity."""
    return {"id": activity.id, "text": activity.text}


def people_of(session: Session, user_id: int) -> list[SupportPerson]:
    """The user's support people in the order they were added."""
    return list(
        session.execute(
            select(SupportPerson).where(SupportPerson.user_id == user_id).order_by(SupportPerson.id)
        ).scalars()
    )


def activities_of(session: Session, user_id: int) -> list[RestoringActivity]:
    """The user's restoring activities in the order they were added."""
    return list(
        session.execute(
            select(RestoringActivity)
            .where(RestoringActivity.user_id == user_id)
            .order_by(RestoringActivity.id)
        ).scalars()
    )


def configured_crisis_lines(timezone: str | None = None, country: str | None = None) -> list[dict]:
    """The crisis lines this deployment shows (``TEND_CRISIS_LINES`` or the default),
    those of ``country`` (or the country of ``timezone``) first."""
    return crisis_lines_json(current_app.config.get("TEND_CRISIS_LINES"), timezone, country)


def configured_resources() -> list[dict]:
    """The operator's own resources (``TEND_SUPPORT_RESOURCES``), in the order given."""
    items = load_support_resources(current_app.config.get("TEND_SUPPORT_RESOURCES"))
    return [item.model_dump() for item in items]


def support_resources(session: Session, user: User) -> dict:
    """Everything the support block of insights offers."""
    return {
        "people": [person_out(person) for person in people_of(session, user.id)],
        "activities": [activity_out(item) for item in activities_of(session, user.id)],
        "crisis_lines": configured_crisis_lines(country=user_country(user)),
        "resources": configured_resources(),
    }
