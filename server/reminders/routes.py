"""HTTP routes of the reminders feature: list, create, change, delete, snooze, upcoming."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user

from server.api import one_at_a_time, route, signed_in_user
from server.db import db, utcnow
from server.reminders import service
from server.reminders.schemas import (
    HeldList,
    HeldOut,
    HeldQuery,
    ReminderCreate,
    ReminderEnvelope,
    ReminderHeldOut,
    ReminderList,
    ReminderPatch,
    SnoozeIn,
    UpcomingOut,
    UpcomingQuery,
)
from server.shifts.rules import REASONS

bp = Blueprint("reminders", __name__)


def envelope(reminder) -> ReminderEnvelope:
    """``{"reminder": ...}`` with whether a snooze is offered right now."""
    offers = service.snooze_offers(db.session, [reminder], utcnow())
    return ReminderEnvelope(reminder=service.reminder_out(reminder, offers[reminder.id]))


@route(bp, "/api/reminders", response=ReminderList)
def list_reminders():
    """Every reminder of the signed-in person."""
    rows = service.list_reminders(db.session, current_user.id)
    offers = service.snooze_offers(db.session, rows, utcnow())
    return ReminderList(reminders=[service.reminder_out(row, offers[row.id]) for row in rows])


@route(
    bp,
    "/api/reminders",
    methods=["POST"],
    body=ReminderCreate,
    response=ReminderEnvelope,
    status=201,
)
def create_reminder(body: ReminderCreate):
    """Add a reminder."""
    now = utcnow()
    service.require_future_once(body.schedule, now)
    user = signed_in_user()
    if body.kind != "followup":
        limit = current_app.config["TEND_MAX_REMINDERS"]
        service.require_room_for_reminders(db.session, user, 1, limit)
    reminder = service.create_reminder(
        db.session,
        user,
        body.kind,
        body.title,
        body.schedule,
        enabled=body.enabled,
        now=now,
    )
    db.session.commit()
    return envelope(reminder)


@route(
    bp,
    "/api/reminders/<int:reminder_id>",
    methods=["PATCH"],
    body=ReminderPatch,
    response=ReminderEnvelope,
)
def update_reminder(reminder_id: int, body: ReminderPatch):
    """Change some fields of a reminder; its next time is recomputed."""
    reminder = service.owned_reminder(db.session, current_user.id, reminder_id)
    service.update_reminder(db.session, signed_in_user(), reminder, body, utcnow())
    db.session.commit()
    return envelope(reminder)


@route(bp, "/api/reminders/<int:reminder_id>", methods=["DELETE"], status=204)
def delete_reminder(reminder_id: int):
    """Remove a reminder (its past deliveries stay, unlinked)."""
    reminder = service.owned_reminder(db.session, current_user.id, reminder_id)
    db.session.delete(reminder)
    db.session.commit()
    return None


@route(
    bp,
    "/api/reminders/<int:reminder_id>/snooze",
    methods=["POST"],
    body=SnoozeIn,
    response=ReminderEnvelope,
)
def snooze_reminder(reminder_id: int, body: SnoozeIn):
    """Move the next notification a few minutes later; the schedule then carries on."""
    reminder = service.owned_reminder(db.session, current_user.id, reminder_id)
    service.snooze_reminder(db.session, reminder, body.minutes, utcnow())
    db.session.commit()
    return envelope(reminder)


@route(bp, "/api/reminders/held", query=HeldQuery, response=HeldList)
def held_reminders(query: HeldQuery):
    """For every reminder that is on, the coming times it stays silent at and why.

    One plan for the whole list, so the Reminders screen asks once, not once per reminder.
    """
    user = signed_in_user()
    now = utcnow()
    reminders = [row for row in service.list_reminders(db.session, user.id) if row.enabled]
    held: dict[int, list] = {}
    with one_at_a_time(user.id):
        service.upcoming_of_many(db.session, user, reminders, now, now, query.count, held)
    return HeldList(
        reminders=[
            ReminderHeldOut(id=reminder.id, held=held_list(held[reminder.id], user))
            for reminder in reminders
        ]
    )


def held_list(held: list, user) -> list[HeldOut]:
    """Held times in the user's offset, with the policy's reasons in plain words."""
    return [
        HeldOut(at=at.astimezone(user.zone), reason=REASONS.get(reason, reason))
        for at, reason in held
    ]


@route(bp, "/api/reminders/<int:reminder_id>/upcoming", query=UpcomingQuery, response=UpcomingOut)
def upcoming(reminder_id: int, query: UpcomingQuery):
    """The next times this reminder will actually notify, and those it holds back and why."""
    reminder = service.owned_reminder(db.session, current_user.id, reminder_id)
    user = signed_in_user()
    now = utcnow()
    after = query.after or now
    held: list = []
    with one_at_a_time(user.id):
        moments = service.upcoming_for(db.session, user, reminder, now, after, query.count, held)
    return UpcomingOut(
        upcoming=[moment.astimezone(user.zone) for moment in moments],
        held=held_list(held, user),
    )
