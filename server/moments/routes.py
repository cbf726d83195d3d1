"""Hard moments: log one (which schedules two gentle follow-ups), list, edit and delete them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Blueprint
from flask_login import current_user
from pydantic import BaseModel, Field
from sqlalchemy import delete, select, update

from server.api import owned_or_404, route, signed_in_user
from server.api_types import Strict
from server.checkins.models import CheckIn, Moment
from server.db import db, utcnow
from server.moments.followups import plan_followups
from server.reminders.models import Delivery, Reminder
from server.reminders.service import create_reminder

bp = Blueprint("moments", __name__)

MomentKind = Literal[
    "distressing_disclosure", "critical_incident", "client_loss", "safety_threat", "other"
]


class MomentIn(Strict):
    """A hard moment: what kind, how intense (1-5), and an optional note."""

    kind: MomentKind
    intensity: int = Field(ge=1, le=5)
    note: str | None = Field(default=None, max_length=1000)


class MomentPatch(Strict):
    """Change a moment's note (null or empty removes it) or how heavy it felt."""

    intensity: int | None = Field(default=None, ge=1, le=5)
    note: str | None = Field(default=None, max_length=1000)


class FollowUpOut(BaseModel):
    """A follow-up check-in scheduled for the moment."""

    reminder_id: int
    at: datetime
    domains: list[str]


class MomentOut(BaseModel):
    """A logged hard moment."""

    id: int
    kind: MomentKind
    intensity: int
    note: str | None
    occurred_at: datetime
    followups: list[FollowUpOut] = []


class MomentEnvelope(BaseModel):
    """One moment."""

    moment: MomentOut


class MomentsOut(BaseModel):
    """The user's moments, newest first."""

    moments: list[MomentOut]


def moment_out(moment: Moment, followups: list[dict] | None = None) -> dict:
    """The API's view of a moment."""
    return {
        "id": moment.id,
        "kind": moment.kind,
        "intensity": moment.intensity,
        "note": moment.note,
        "occurred_at": moment.occurred_at.isoformat(),
        "followups": followups or [],
    }


@route(bp, "/api/moments", methods=["POST"], body=MomentIn, response=MomentEnvelope, status=201)
def log_moment(body: MomentIn):
    """Log a hard moment; schedules a check-in this evening and one about three days later."""
    session = db.session
    user = signed_in_user()
    now = utcnow()
    moment = Moment(
        user_id=user.id,
        kind=body.kind,
        intensity=body.intensity,
        note=body.note,
        occurred_at=now,
        created_at=now,
    )
    session.add(moment)
    session.flush()
    followups = []
    for plan in plan_followups(now, user.zone, user.quiet_start, user.quiet_end):
        reminder = create_reminder(
            session,
            user,
            "followup",
            plan.title,
            {"type": "once", "at": plan.at.astimezone(user.zone).isoformat()},
            meta={"moment_id": moment.id, "domains": list(plan.domains), "step": plan.step},
            now=now,
        )
        followups.append(
            {
                "reminder_id": reminder.id,
                "at": plan.at.astimezone(user.zone).isoformat(),
                "domains": list(plan.domains),
            }
        )
    session.commit()
    return {"moment": moment_out(moment, followups)}


@route(bp, "/api/moments", response=MomentsOut)
def list_moments():
    """The hard moments the user logged, newest first."""
    rows = db.session.execute(
        select(Moment)
        .where(Moment.user_id == current_user.id)
        .order_by(Moment.occurred_at.desc(), Moment.id.desc())
    ).scalars()
    return {"moments": [moment_out(moment) for moment in rows]}


def owned_moment(moment_id: int) -> Moment:
    """The signed-in user's moment, or 404 (someone else's looks exactly like none)."""
    return owned_or_404(db.session, Moment, current_user.id, moment_id, "moment")


@route(
    bp,
    "/api/moments/<int:moment_id>",
    methods=["PATCH"],
    body=MomentPatch,
    response=MomentEnvelope,
)
def edit_moment(moment_id: int, body: MomentPatch):
    """Change the note or the intensity of a logged moment."""
    moment = owned_moment(moment_id)
    given = body.model_fields_set
    if "note" in given:
        moment.note = (body.note or "").strip() or None
    if "intensity" in given and body.intensity is not None:
        moment.intensity = body.intensity
    db.session.add(moment)
    db.session.commit()
    return {"moment": moment_out(moment)}


def followup_reminders(user_id: int, moment_id: int) -> list[Reminder]:
    """The follow-up reminders scheduled for one moment."""
    rows = db.session.execute(
        select(Reminder).where(Reminder.user_id == user_id, Reminder.kind == "followup")
    ).scalars()
    return [row for row in rows if (row.meta or {}).get("moment_id") == moment_id]


@route(bp, "/api/moments/<int:moment_id>", methods=["DELETE"], status=204)
def delete_moment(moment_id: int):
    """Delete a moment; its follow-ups still to come go too, as they would ask about it."""
    moment = owned_moment(moment_id)
    now = utcnow()
    ahead = [
        reminder.id
        for reminder in followup_reminders(current_user.id, moment_id)
        if reminder.next_due_at is not None and reminder.next_due_at > now
    ]
    # Explicit, so nothing depends on the database enforcing ON DELETE SET NULL.
    if ahead:
        db.session.execute(
            update(Delivery).where(Delivery.reminder_id.in_(ahead)).values(reminder_id=None)
        )
        db.session.execute(delete(Reminder).where(Reminder.id.in_(ahead)))
    db.session.execute(update(CheckIn).where(CheckIn.moment_id == moment_id).values(moment_id=None))
    db.session.delete(moment)
    db.session.commit()
    return None
