"""HTTP routes of the time-off feature: list with the clock, add, remove."""

from __future__ import annotations

from flask import Blueprint

from server.api import route, signed_in_user
from server.db import db, utcnow
from server.timeoff import service
from server.timeoff.clock import ClockState
from server.timeoff.models import TimeOff
from server.timeoff.schemas import ClockOut, TimeOffCreated, TimeOffIn, TimeOffList, TimeOffOut

bp = Blueprint("timeoff", __name__)


def entry_out(entry: TimeOff) -> TimeOffOut:
    """One entry as the API shows it."""
    return TimeOffOut(
        id=entry.id,
        start=entry.start,
        end=entry.end,
        kind=entry.kind,
        note=entry.note,
        days=(entry.end - entry.start).days + 1,
        created_at=entry.created_at,
    )


def clock_fields(state: ClockState, user) -> dict:
    """``days_since_time_off``, ``next_planned`` and the whole ``clock``."""
    clock = ClockOut(
        **state.as_dict(), nudge_days=user.timeoff_nudge_days, strong_days=user.timeoff_strong_days
    )
    return {
        "days_since_time_off": clock.days_since_time_off,
        "next_planned": clock.next_planned,
        "clock": clock,
    }


@route(bp, "/api/timeoff", response=TimeOffList)
def list_time_off():
    """Your time off, the days since the last, and the countdown to the next."""
    user = signed_in_user()
    now = utcnow()
    entries = service.list_entries(db.session, user.id)
    state = service.clock_for(db.session, user, now)
    return TimeOffList(time_off=[entry_out(e) for e in entries], **clock_fields(state, user))


@route(bp, "/api/timeoff", methods=["POST"], body=TimeOffIn, response=TimeOffCreated, status=201)
def add_time_off(body: TimeOffIn):
    """Note time off, taken or planned; work reminders stay quiet on those days."""
    user = signed_in_user()
    now = utcnow()
    entry = service.add_entry(
        db.session, user, start=body.start, end=body.end, kind=body.kind, note=body.note, now=now
    )
    db.session.commit()
    state = service.clock_for(db.session, user, now)
    return TimeOffCreated(entry=entry_out(entry), **clock_fields(state, user))


@route(bp, "/api/timeoff/<int:entry_id>", methods=["DELETE"], status=204)
def delete_time_off(entry_id: int):
    """Remove a time-off entry."""
    service.delete_entry(db.session, signed_in_user(), entry_id, utcnow())
    db.session.commit()
    return None
