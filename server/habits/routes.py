"""HTTP routes of the habits feature: programs (list, switch on, switch off), summary, day done."""

from __future__ import annotations

from flask import Blueprint, current_app

from server.api import ApiError, one_at_a_time, route, signed_in_user
from server.db import db, utcnow
from server.habits import service
from server.habits.insights import weekly_habit_figures
from server.habits.presets import PresetError, UnknownPreset, describe_presets, get_preset
from server.habits.schemas import (
    AppliedReminderOut,
    DayDoneOut,
    HabitSummary,
    PresetApplied,
    PresetList,
    PresetParamsIn,
    SummaryQuery,
)
from server.reminders.service import (
    own_reminder_count,
    reminder_limit_reached,
    reminder_out,
    upcoming_of_many,
)

bp = Blueprint("habits", __name__)
UPCOMING_SHOWN = 3


def known_preset(preset_id: str) -> None:
    """404 for a program that does not exist."""
    try:
        get_preset(preset_id)
    except UnknownPreset:
        raise ApiError(404, "not_found", "There is no program with that name.") from None


@route(bp, "/api/habits/presets", response=PresetList)
def list_presets():
    """The programs on offer, with their settings (defaulted for you) and what they create."""
    user = signed_in_user()
    active = service.active_presets(db.session, user.id)
    presets = [dict(p, active=p["id"] in active) for p in describe_presets(user, utcnow())]
    return PresetList.model_validate({"presets": presets})


@route(
    bp,
    "/api/habits/presets/<preset_id>",
    methods=["POST"],
    body=PresetParamsIn,
    response=PresetApplied,
    status=201,
)
def apply_preset(preset_id: str, body: PresetParamsIn):
    """Switch a program on (again), creating ordinary reminders you can edit."""
    known_preset(preset_id)
    user = signed_in_user()
    now = utcnow()
    with one_at_a_time(user.id):
        reminders, notes = switch_on(user, preset_id, body.root, now)
        upcoming = upcoming_of_many(db.session, user, reminders, now, now, UPCOMING_SHOWN)
    shown = [
        AppliedReminderOut(
            **reminder_out(reminder).model_dump(),
            meta=reminder.meta or {},
            upcoming=[moment.astimezone(user.zone) for moment in upcoming[reminder.id]],
        )
        for reminder in reminders
    ]
    return PresetApplied(preset=preset_id, reminders=shown, notes=notes)


def switch_on(user, preset_id: str, params: dict | None, now) -> tuple[list, list[str]]:
    """Apply the program and commit, or change nothing (bad parameters, over the cap)."""
    try:
        reminders, notes = service.apply_preset(db.session, user, preset_id, params, now)
    except PresetError as exc:
        raise ApiError(400, "validation_error", str(exc), fields=exc.fields) from None
    limit = current_app.config["TEND_MAX_REMINDERS"]
    if own_reminder_count(db.session, user.id) > limit:
        db.session.rollback()  # all or nothing: the program is not switched on
        raise reminder_limit_reached(limit)
    db.session.commit()
    return reminders, notes


@route(bp, "/api/habits/presets/<preset_id>", methods=["DELETE"], status=204)
def remove_preset(preset_id: str):
    """Switch a program off: its reminders are removed."""
    known_preset(preset_id)
    service.remove_preset(db.session, signed_in_user(), preset_id)
    db.session.commit()
    return None


@route(bp, "/api/habits/summary", query=SummaryQuery, response=HabitSummary)
def summary(query: SummaryQuery):
    """Weekly habit figures: breaks taken, days work ran over, sleep answers."""
    return weekly_habit_figures(db.session, signed_in_user(), query.weeks, now=utcnow())


@route(bp, "/api/habits/day-done", methods=["POST"], response=DayDoneOut)
def day_done():
    """Mark today's work done, so the after-hours nudge stays quiet."""
    user = signed_in_user()
    now = utcnow()
    today = now.astimezone(user.zone).date()
    marked = service.mark_day_done(db.session, user, today, now)
    db.session.commit()
    return DayDoneOut(local_date=today, already=not marked)
