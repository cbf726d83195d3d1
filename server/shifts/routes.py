"""HTTP routes of shifts: list, add, change, remove, repeating patterns, and roster import."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from server.api import ApiError, route, signed_in_user
from server.db import db, utcnow
from server.reminders.schedule import local_date
from server.reminders.service import recompute_user_reminders, user_rules
from server.shifts import ics, service
from server.shifts.rules import Span, day_sleep_windows, resolve_wall, sleep_plan_of
from server.shifts.schemas import (
    ImportOut,
    PatternCreated,
    PatternIn,
    PatternList,
    PatternOut,
    ShiftEnvelope,
    ShiftIn,
    ShiftList,
    ShiftOut,
    ShiftPatch,
    ShiftQuery,
    SleepWindowOut,
)

bp = Blueprint("shifts", __name__)

# A year of a busy rota is well under this; the general body limit stays small.
IMPORT_MAX_BYTES = 1024 * 1024
DEFAULT_DAYS = 14


def shift_out(shift, zone) -> ShiftOut:
    """A shift with its times in the user's offset."""
    return ShiftOut(
        id=shift.id,
        start=shift.start.astimezone(zone),
        end=shift.end.astimezone(zone),
        kind=shift.kind,
        label=shift.label,
        pattern_id=shift.pattern_id,
    )


def pattern_out(pattern) -> PatternOut:
    """A pattern as the API shows it."""
    return PatternOut.model_validate(pattern, from_attributes=True)


def shifts_changed(user) -> None:
    """Reminders that follow shifts get their next time again."""
    if user.schedule_mode == "shifts":
        recompute_user_reminders(db.session, user, utcnow())


@route(bp, "/api/shifts", query=ShiftQuery, response=ShiftList)
def list_shifts(query: ShiftQuery):
    """Shifts touching the local days ``from``–``to`` (default: today and the next 13 days)."""
    user = signed_in_user()
    now = utcnow()
    if service.extend_patterns(db.session, user, now):
        shifts_changed(user)
        db.session.commit()
    first = query.from_ or local_date(now, user.zone)
    last = query.to or first + timedelta(days=DEFAULT_DAYS - 1)
    rows = service.shifts_on_days(db.session, user, first, last)
    plan = sleep_plan_of(rule.meta for rule in user_rules(db.session, user.id))
    windows = day_sleep_windows([service.span_of(row) for row in rows], user.zone, plan)
    return ShiftList(
        shifts=[shift_out(row, user.zone) for row in rows],
        sleep_windows=[
            SleepWindowOut(start=w.start.astimezone(user.zone), end=w.end.astimezone(user.zone))
            for w in windows
        ],
    )


@route(bp, "/api/shifts", methods=["POST"], body=ShiftIn, response=ShiftEnvelope, status=201)
def create_shift(body: ShiftIn):
    """Add one shift; 400 when it ends before it starts or runs over 24 hours, 409 on overlap."""
    user = signed_in_user()
    span = Span(resolve_wall(body.start, user.zone), resolve_wall(body.end, user.zone), body.kind)
    shift = service.add_shift(db.session, user.id, span, body.label)
    shifts_changed(user)
    db.session.commit()
    return ShiftEnvelope(shift=shift_out(shift, user.zone))


@route(
    bp,
    "/api/shifts/<int:shift_id>",
    methods=["PATCH"],
    body=ShiftPatch,
    response=ShiftEnvelope,
)
def update_shift(shift_id: int, body: ShiftPatch):
    """Move, relabel or change the kind of a shift."""
    user = signed_in_user()
    shift = service.owned_shift(db.session, user.id, shift_id)
    given = body.model_fields_set
    start = resolve_wall(body.start, user.zone) if body.start else shift.start
    end = resolve_wall(body.end, user.zone) if body.end else shift.end
    kind = body.kind or shift.kind
    label = body.label if "label" in given else shift.label
    service.change_shift(db.session, shift, Span(start, end, kind), label)
    shifts_changed(user)
    db.session.commit()
    return ShiftEnvelope(shift=shift_out(shift, user.zone))


@route(bp, "/api/shifts/<int:shift_id>", methods=["DELETE"], status=204)
def delete_shift(shift_id: int):
    """Remove a shift."""
    user = signed_in_user()
    db.session.delete(service.owned_shift(db.session, user.id, shift_id))
    db.session.flush()
    shifts_changed(user)
    db.session.commit()
    return None


@route(
    bp,
    "/api/shifts/pattern",
    methods=["POST"],
    body=PatternIn,
    response=PatternCreated,
    status=201,
)
def create_pattern(body: PatternIn):
    """Write a repeating cycle out as shifts for ``weeks`` weeks; it keeps rolling forward."""
    user = signed_in_user()
    cycle = [entry.model_dump() if entry is not None else None for entry in body.cycle]
    pattern, shifts = service.create_pattern(db.session, user, body.start_date, cycle, body.weeks)
    shifts_changed(user)
    db.session.commit()
    return PatternCreated(
        pattern=pattern_out(pattern), shifts=[shift_out(row, user.zone) for row in shifts]
    )


@route(bp, "/api/shifts/patterns", response=PatternList)
def list_patterns():
    """The repeating cycles."""
    rows = service.user_patterns(db.session, current_user.id)
    return PatternList(patterns=[pattern_out(row) for row in rows])


@route(bp, "/api/shifts/patterns/<int:pattern_id>", methods=["DELETE"], status=204)
def delete_pattern(pattern_id: int):
    """Remove a cycle and its shifts still to come."""
    user = signed_in_user()
    pattern = service.owned_pattern(db.session, user.id, pattern_id)
    service.delete_pattern(db.session, pattern, utcnow())
    shifts_changed(user)
    db.session.commit()
    return None


def calendar_body() -> bytes:
    """The request body as an iCalendar file of at most ``IMPORT_MAX_BYTES``."""
    mimetype = request.mimetype or ""
    if mimetype != "text/calendar":
        raise ApiError(415, "unsupported_media_type", "Send the roster as text/calendar (.ics).")
    request.max_content_length = IMPORT_MAX_BYTES
    try:
        return request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise ApiError(413, "too_large", "That calendar file is over 1 MB.") from None


@route(
    bp,
    "/api/shifts/import",
    methods=["POST"],
    response=ImportOut,
    status=201,
    raw_body="text/calendar",
)
def import_roster():
    """Import an .ics roster (``text/calendar``, up to 1 MB); a known UID replaces its shift."""
    user = signed_in_user()
    try:
        events, skipped = ics.read_roster(calendar_body(), user.zone)
    except ics.CalendarError:
        raise ApiError(400, "invalid_calendar", "That file isn't a calendar we can read.") from None
    imported, replaced = 0, set()
    for event in events:
        if event.uid is not None and event.uid not in replaced:
            service.replace_imported(db.session, user.id, event.uid)
            replaced.add(event.uid)
        if service.shifts_between(db.session, user.id, event.span.start, event.span.end):
            skipped += 1
            continue
        service.add_shift(db.session, user.id, event.span, event.label, ics_uid=event.uid)
        imported += 1
    shifts_changed(user)
    db.session.commit()
    return ImportOut(imported=imported, skipped=skipped)
