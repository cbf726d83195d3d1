"""Support routes: the user's support people, restoring activities, and crisis lines."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from pydantic import BaseModel, Field, field_validator

from server.accounts.service import user_country
from server.api import ApiError, owned_or_404, route
from server.api_types import CountryCode, Strict, TimeZoneName
from server.db import db
from server.support import service
from server.support.crisis import (
    country_of_zone,
    iso_countries,
    load_crisis_lines,
    load_support_resources,
)
from server.support.models import RestoringActivity, SupportPerson

bp = Blueprint("support", __name__)


@bp.record_once
def check_crisis_lines_at_start(state) -> None:
    """Read the crisis lines and resources when the app is built: a bad value stops start-up."""
    load_crisis_lines(state.app.config.get("TEND_CRISIS_LINES"))
    load_support_resources(state.app.config.get("TEND_SUPPORT_RESOURCES"))


def trimmed(value: str | None) -> str | None:
    """Surrounding space removed; empty text becomes None."""
    if value is None:
        return None
    value = value.strip()
    return value or None


class PersonIn(Strict):
    """Someone the user can turn to, and how to reach them."""

    name: str = Field(min_length=1, max_length=80)
    contact: str | None = Field(default=None, max_length=120)
    note: str | None = Field(default=None, max_length=200)

    @field_validator("name")
    @classmethod
    def name_not_blank(cls, value: str) -> str:
        """A name of only spaces is no name."""
        if not value.strip():
            raise ValueError("Enter a name.")
        return value.strip()

    @field_validator("contact", "note")
    @classmethod
    def optional_text(cls, value: str | None) -> str | None:
        """Blank optional fields are stored as nothing."""
        return trimmed(value)


class PersonOut(BaseModel):
    """A support person."""

    id: int
    name: str
    contact: str | None
    note: str | None


class PersonEnvelope(BaseModel):
    """One support person."""

    person: PersonOut


class PeopleOut(BaseModel):
    """The user's support people."""

    people: list[PersonOut]


class ActivityIn(Strict):
    """Something that restores the user."""

    text: str = Field(min_length=1, max_length=120)

    @field_validator("text")
    @classmethod
    def text_not_blank(cls, value: str) -> str:
        """Only spaces is not an activity."""
        if not value.strip():
            raise ValueError("Describe the activity in a few words.")
        return value.strip()


class ActivityOut(BaseModel):
    """A restoring activity."""

    id: int
    text: str


class ActivityEnvelope(BaseModel):
    """One restoring activity."""

    activity: ActivityOut


class ActivitiesOut(BaseModel):
    """The user's restoring activities."""

    activities: list[ActivityOut]


class CrisisLineOut(BaseModel):
    """A crisis line configured by the operator."""

    name: str
    phone: str | None
    text: str | None
    url: str | None
    country: str | None
    note: str | None


class CountryOut(BaseModel):
    """A country a person can choose, by ISO code and English name."""

    code: str
    name: str


class CrisisLinesOut(BaseModel):
    """Every configured crisis line, the operator's own resources, and the country used."""

    crisis_lines: list[CrisisLineOut]
    country: str | None = Field(description="whose lines come first, or null when unknown")
    resources: list[CrisisLineOut] = Field(
        description="the operator's own resources (an assistance programme, peer supporters)"
    )
    countries: list[CountryOut] = Field(description="every country code a person can choose")


class CrisisLinesQuery(Strict):
    """Whose lines come first: ``country``, else the signed-in user's, else ``timezone``'s."""

    country: CountryCode | None = None
    timezone: TimeZoneName | None = None


def too_many(what: str, limit: int) -> ApiError:
    """The lists stay short on purpose: they are meant to be read in a hard moment."""
    return ApiError(409, "list_full", f"You can keep up to {limit} {what}. Remove one first.")


@route(bp, "/api/support/people", response=PeopleOut)
def list_people():
    """The people the user can turn to."""
    people = service.people_of(db.session, current_user.id)
    return {"people": [service.person_out(person) for person in people]}


@route(
    bp, "/api/support/people", methods=["POST"], body=PersonIn, response=PersonEnvelope, status=201
)
def add_person(body: PersonIn):
    """Add someone the user can turn to."""
    if len(service.people_of(db.session, current_user.id)) >= service.MAX_PEOPLE:
        raise too_many("people", service.MAX_PEOPLE)
    person = SupportPerson(
        user_id=current_user.id, name=body.name, contact=body.contact, note=body.note
    )
    db.session.add(person)
    db.session.commit()
    return {"person": service.person_out(person)}


@route(bp, "/api/support/people/<int:person_id>", methods=["DELETE"], status=204)
def delete_person(person_id: int):
    """Remove a support person."""
    person = owned_or_404(db.session, SupportPerson, current_user.id, person_id, "person")
    db.session.delete(person)
    db.session.commit()
    return None


@route(bp, "/api/support/activities", response=ActivitiesOut)
def list_activities():
    """What restores the user."""
    items = service.activities_of(db.session, current_user.id)
    return {"activities": [service.activity_out(item) for item in items]}


@route(
    bp,
    "/api/support/activities",
    methods=["POST"],
    body=ActivityIn,
    response=ActivityEnvelope,
    status=201,
)
def add_activity(body: ActivityIn):
    """Add something that restores the user."""
    if len(service.activities_of(db.session, current_user.id)) >= service.MAX_ACTIVITIES:
        raise too_many("activities", service.MAX_ACTIVITIES)
    activity = RestoringActivity(user_id=current_user.id, text=body.text)
    db.session.add(activity)
    db.session.commit()
    return {"activity": service.activity_out(activity)}


@route(bp, "/api/support/activities/<int:activity_id>", methods=["DELETE"], status=204)
def delete_activity(activity_id: int):
    """Remove a restoring activity."""
    activity = owned_or_404(db.session, RestoringActivity, current_user.id, activity_id, "activity")
    db.session.delete(activity)
    db.session.commit()
    return None


@route(
    bp,
    "/api/support/crisis-lines",
    auth=False,
    query=CrisisLinesQuery,
    response=CrisisLinesOut,
)
def list_crisis_lines(query: CrisisLinesQuery):
    """Crisis lines and the operator's resources, no sign-in needed; one country's lines first."""
    country = query.country
    if country is None and current_user.is_authenticated:
        country = user_country(current_user)
    if country is None:
        country = country_of_zone(query.timezone)
    return {
        "crisis_lines": service.configured_crisis_lines(country=country),
        "country": country,
        "resources": service.configured_resources(),
        "countries": [{"code": code, "name": name} for code, name in iso_countries().items()],
    }
