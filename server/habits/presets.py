"""The four habit programs as pure functions from parameters to ordinary reminders.

A program ("preset") turns a few choices — wake time, break rhythm — plus the
user's work and quiet hours into reminder specs in the API's schedule shapes.
The reminders it creates are ordinary ones the user can edit; ``meta`` keeps
what the program meant, which the notification text and actions read.

Programs and their defaults (work 09:00–17:00 Mon–Fri, quiet 22:00–07:00):

* ``sleep`` — bedtime = wake time − target hours (7–9, default 8, wake 06:30 →
  bed 22:30). A wind-down reminder 45 minutes before bedtime (21:45) on the
  evenings before wake days, and a "how did you sleep" check-in 30 minutes
  after waking (07:00) on wake days.
* ``breaks`` — a short break every 90 minutes within work hours (10:30, 12:00,
  13:30, 15:00, 16:30); every second one (every 3 hours) is a longer pause,
  as break timers such as Stretchly do, so two reminders never collide.
* ``boundaries`` — "time to stop" at the end of the workday (17:00 on work
  days, carrying the "Done for today" action); an after-hours nudge 90 minutes
  later (18:30) that stays silent when the day is already marked done; a weekly
  look back 30 minutes after work ends on the last work day (Friday 17:30).
* ``timeoff`` — "plan your next break" once a month, on the first work day of
  the week's first occurrence in the month (default first Monday, 12:30), and
  only while nothing is planned: a ``monthly`` reminder whose occurrences stay
  silent (skipped, ``time_off_planned``) while time off is planned, decided when
  each one comes. The program also adds a
  check-in the evening before planned time off and the evening of the first day
  back (18:00).

Times that fall inside quiet hours would never notify, so a program moves them
to the nearest edge outside quiet hours when that is close (wind-down earlier,
morning check later); when it is not close (e.g. night shifts with day-time
quiet hours set the other way round) the time is kept and a note says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from server.api import fields_from_validation_error
from server.api_types import WallTime
from server.reminders.schedule import parse_hhmm

MINUTES_PER_DAY = 24 * 60
ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)
# A reminder moved this much earlier than quiet hours start is still "before bed".
QUIET_MARGIN_MINUTES = 15
MAX_QUIET_SHIFT_MINUTES = 120

Weekday = Annotated[int, Field(ge=0, le=6)]


# --- inputs and outputs -------------------------------------------------------------------


@dataclass(frozen=True)
class HabitSettings:
    """The user settings programs are built from."""

    timezone: str = "UTC"
    work_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    work_start: str = "09:00"
    work_end: str = "17:00"
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"

    @property
    def zone(self) -> ZoneInfo:
        """The user's time zone."""
        return ZoneInfo(self.timezone)


def settings_of(user: Any) -> HabitSettings:
    """``HabitSettings`` of a ``User`` row (or anything with the same attributes)."""
    if isinstance(user, HabitSettings):
        return user
    return HabitSettings(
        timezone=user.timezone,
        work_days=tuple(sorted(set(user.work_days))),
        work_start=user.work_start,
        work_end=user.work_end,
        quiet_start=user.quiet_start,
        quiet_end=user.quiet_end,
    )


@dataclass(frozen=True)
class ReminderSpec:
    """A reminder a program will create: what ``create_reminder`` needs, plus notes for people."""

    kind: str
    title: str
    schedule: dict
    preset: str
    meta: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()


class PresetError(ValueError):
    """Parameters a program cannot use; ``fields`` maps each parameter to what is wrong."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class UnknownPreset(KeyError):
    """No program has this id."""


# --- wall-clock arithmetic ----------------------------------------------------------------


def to_minutes(wall: str) -> int:
    """``"07:30"`` as minutes after midnight."""
    parsed = parse_hhmm(wall)
    return parsed.hour * 60 + parsed.minute


def to_wall(minutes: int) -> str:
    """Minutes (any integer) as the ``"HH:MM"`` of that day's dial."""
    minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_offset(minutes: int) -> int:
    """How many days ``minutes`` (counted from a day's midnight) lies from that day."""
    return minutes // MINUTES_PER_DAY


def shift_days(days: Iterable[int], offset: int) -> list[int]:
    """Weekdays moved by ``offset`` days (Monday − 1 = Sunday)."""
    return sorted({(day + offset) % 7 for day in days})


def in_quiet(minutes: int, quiet_start: str, quiet_end: str) -> bool:
    """Whether a wall time lies in quiet hours ``[start, end)``, which may cross midnight."""
    wall, start, end = minutes % MINUTES_PER_DAY, to_minutes(quiet_start), to_minutes(quiet_end)
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


@dataclass(frozen=True)
class Fitted:
    """A wall time after fitting it around quiet hours."""

    minutes: int
    moved_by: int = 0
    silent: bool = False


def fit_outside_quiet(
    minutes: int,
    settings: HabitSettings,
    direction: Literal["earlier", "later"],
    max_shift: int = MAX_QUIET_SHIFT_MINUTES,
) -> Fitted:
    """Move a time out of quiet hours in ``direction`` when that takes at most ``max_shift``.

    ``minutes`` may lie outside 0–1439 (a time on the previous or next day); the
    result keeps that frame so day offsets stay right.
    """
    if not in_quiet(minutes, settings.quiet_start, settings.quiet_end):
        return Fitted(minutes)
    if direction == "earlier":
        target = to_minutes(settings.quiet_start) - QUIET_MARGIN_MINUTES
        shift = (minutes - target) % MINUTES_PER_DAY
        candidate = minutes - shift
    else:
        target = to_minutes(settings.quiet_end)
        shift = (target - minutes) % MINUTES_PER_DAY
        candidate = minutes + shift
    if shift <= max_shift and not in_quiet(candidate, settings.quiet_start, settings.quiet_end):
        return Fitted(candidate, moved_by=shift)
    return Fitted(minutes, silent=True)


def fit_note(what: str, fitted: Fitted, direction: str) -> tuple[str, ...]:
    """Plain words about a time that was moved, or that quiet hours will keep silent."""
    if fitted.silent:
        return (
            f"The {what} falls in your quiet hours, so it will stay silent. "
            "You can change the time or your quiet hours.",
        )
    if fitted.moved_by:
        return (
            f"The {what} is {fitted.moved_by} minutes {direction} than planned, "
            "so it comes outside your quiet hours.",
        )
    return ()


def daily(wall_minutes: int, days: Iterable[int]) -> dict:
    """A daily schedule dict, as the API stores it."""
    return {"type": "daily", "time": to_wall(wall_minutes), "days": sorted(set(days))}


def shift_end_minutes(settings: HabitSettings) -> int:
    """Work end in minutes from the shift's start day (night shifts end the next day)."""
    start, end = to_minutes(settings.work_start), to_minutes(settings.work_end)
    return end if end > start else end + MINUTES_PER_DAY


# --- parameter models ---------------------------------------------------------------------


class Params(BaseModel):
    """Program parameters: unknown names are an error so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")


class SleepParams(Params):
    """Parameters of the sleep program."""

    wake_time: WallTime = Field(default="06:30", description="When you usually wake up.")
    sleep_hours: float = Field(
        default=8, ge=7, le=9, multiple_of=0.25, description="Hours of sleep to aim for (7–9)."
    )
    wind_down_minutes: int = Field(
        default=45, ge=15, le=90, description="How long before bedtime to start winding down."
    )
    days: list[Weekday] = Field(
        default_factory=lambda: list(ALL_DAYS),
        max_length=7,
        description="The days you wake at this time (0 = Monday).",
    )
    sleep_check: bool = Field(default=True, description="Ask how you slept after waking.")
    sleep_check_after_minutes: int = Field(
        default=30, ge=0, le=240, description="How long after waking to ask."
    )
    nap_before_nights: bool = Field(
        default=False,
        description="When reminders follow your shifts: a nap reminder before the first "
        "night of a run of night shifts.",
    )

    @field_validator("days")
    @classmethod
    def some_days(cls, days: list[int]) -> list[int]:
        """At least one day, each once."""
        if not days:
            raise ValueError("Choose at least one day.")
        return sorted(set(days))


class BreakParams(Params):
    """Parameters of the breaks program."""

    every_minutes: int = Field(
        default=90, ge=20, le=240, description="Minutes of work between short breaks."
    )
    long_pause_hours: float | None = Field(
        default=3,
        ge=1,
        le=8,
        description="Make a break a longer pause about this often (empty for never).",
    )


class BoundaryParams(Params):
    """Parameters of the boundaries program (the workday end comes from your work hours)."""

    after_hours_nudge: bool = Field(
        default=True, description="A later nudge if the day is not marked done."
    )
    after_hours_minutes: int = Field(
        default=90, ge=30, le=240, description="How long after work ends to nudge."
    )
    weekly_look_back: bool = Field(default=True, description="A weekly look back at your days.")
    look_back_day: Weekday | None = Field(
        default=None, description="Day of the look back (default: your last work day)."
    )
    look_back_time: WallTime | None = Field(
        default=None, description="Time of the look back (default: 30 minutes after work ends)."
    )


class TimeOffParams(Params):
    """Parameters of the time-off program."""

    weekday: Weekday | None = Field(
        default=None,
        description="The plan reminder comes on the first such day of each month "
        "(default: your first work day).",
    )
    time: WallTime = Field(default="12:30", description="Time of the monthly plan reminder.")
    checkins: bool = Field(default=True, description="Check in before and after time off.")
    checkin_time: WallTime = Field(
        default="18:00", description="Time of the check-ins before and after time off."
    )


# --- the programs -------------------------------------------------------------------------


def sleep_program(
    params: SleepParams, settings: HabitSettings, now: datetime
) -> list[ReminderSpec]:
    """Wind-down before the derived bedtime, and a sleep check after waking."""
    wake = to_minutes(params.wake_time)
    bedtime = wake - round(params.sleep_hours * 60)
    fitted = fit_outside_quiet(bedtime - params.wind_down_minutes, settings, "earlier")
    specs = [
        ReminderSpec(
            kind="sleep",
            title="Wind down for sleep",
            schedule=daily(fitted.minutes, shift_days(params.days, day_offset(fitted.minutes))),
            preset="sleep",
            meta={
                "program": "sleep",
                "habit": "wind_down",
                "bedtime": to_wall(bedtime),
                "wake_time": params.wake_time,
                "sleep_hours": params.sleep_hours,
                "wind_down_minutes": params.wind_down_minutes,
            },
            notes=fit_note("wind-down reminder", fitted, "earlier"),
        )
    ]
    if params.sleep_check:
        check = fit_outside_quiet(wake + params.sleep_check_after_minutes, settings, "later")
        specs.append(
            ReminderSpec(
                kind="sleep",
                title="How did you sleep?",
                schedule=daily(check.minutes, shift_days(params.days, day_offset(check.minutes))),
                preset="sleep",
                meta={
                    "program": "sleep",
                    "habit": "sleep_check",
                    "wake_time": params.wake_time,
                    "sleep_hours": params.sleep_hours,
                    "check_after_minutes": params.sleep_check_after_minutes,
                },
                notes=fit_note("sleep check", check, "later"),
            )
        )
    if params.nap_before_nights:
        specs.append(nap_spec())
    return specs


def nap_spec() -> ReminderSpec:
    """The nap before a first night: its times come from the shifts (none in weekly mode)."""
    return ReminderSpec(
        kind="sleep",
        title="A nap before your night shift",
        # Shown as a time; the reminder fires five hours before the first night of a run.
        schedule=daily(14 * 60, ALL_DAYS),
        preset="sleep",
        meta={"program": "sleep", "habit": "nap", "shifts_only": True},
        notes=(
            "The nap reminder comes only before the first night of a run of night shifts, "
            "when your reminders follow your shifts.",
        ),
    )


def long_pause_every(params: BreakParams) -> int | None:
    """Every how many breaks is a longer pause (None: never)."""
    if params.long_pause_hours is None:
        return None
    every = round(params.long_pause_hours * 60 / params.every_minutes)
    if every < 2:
        raise PresetError(
            "A longer pause needs to come less often than the short breaks.",
            {"long_pause_hours": "Make this at least twice the time between breaks."},
        )
    return every


def breaks_program(
    params: BreakParams, settings: HabitSettings, now: datetime
) -> list[ReminderSpec]:
    """One interval reminder within work hours; every n-th occurrence is a longer pause."""
    every = long_pause_every(params)
    meta: dict[str, Any] = {"program": "breaks", "habit": "breaks", "snooze_minutes": 10}
    if every:
        meta["long_pause_every"] = every
    return [
        ReminderSpec(
            kind="break",
            title="Short breaks",
            schedule={
                "type": "interval",
                "every_minutes": params.every_minutes,
                "within": "work_hours",
            },
            preset="breaks",
            meta=meta,
        )
    ]


def boundaries_program(
    params: BoundaryParams, settings: HabitSettings, now: datetime
) -> list[ReminderSpec]:
    """Time to stop at work end, a nudge later unless the day is done, a weekly look back."""
    if not settings.work_days:
        raise PresetError(
            "Boundaries follow your work days; none are set yet.",
            {"work_days": "Set your work days first."},
        )
    end = shift_end_minutes(settings)
    specs = [
        ReminderSpec(
            kind="boundary",
            title="Time to stop for today",
            schedule=daily(end, shift_days(settings.work_days, day_offset(end))),
            preset="boundaries",
            meta={"program": "boundaries", "habit": "workday_end", "offers_day_done": True},
            notes=fit_note(
                "end-of-day reminder",
                Fitted(end, silent=in_quiet(end, settings.quiet_start, settings.quiet_end)),
                "later",
            ),
        )
    ]
    if params.after_hours_nudge:
        nudge = fit_outside_quiet(
            end + params.after_hours_minutes,
            settings,
            "earlier",
            max_shift=params.after_hours_minutes - 30,
        )
        specs.append(
            ReminderSpec(
                kind="boundary",
                title="Still working?",
                schedule=daily(
                    nudge.minutes, shift_days(settings.work_days, day_offset(nudge.minutes))
                ),
                preset="boundaries",
                meta={
                    "program": "boundaries",
                    "habit": "after_hours",
                    "skip_if_day_done": True,
                    "minutes_after_work_end": nudge.minutes - end,
                    "offers_day_done": True,
                },
                notes=fit_note("after-hours nudge", nudge, "earlier"),
            )
        )
    if params.weekly_look_back:
        specs.append(look_back_spec(params, settings, end))
    return specs


def look_back_spec(params: BoundaryParams, settings: HabitSettings, end: int) -> ReminderSpec:
    """The weekly look back: by default on the last work day, 30 minutes after work ends."""
    if params.look_back_time is not None:
        minutes = to_minutes(params.look_back_time)
        day = params.look_back_day if params.look_back_day is not None else max(settings.work_days)
    else:
        minutes = end + 30
        base = params.look_back_day
        day = (max(settings.work_days) + day_offset(minutes)) % 7 if base is None else base
    fitted = fit_outside_quiet(minutes, settings, "earlier")
    weekday = (day + day_offset(fitted.minutes) - day_offset(minutes)) % 7
    return ReminderSpec(
        kind="boundary",
        title="A look back at your week",
        schedule=daily(fitted.minutes, [weekday]),
        preset="boundaries",
        meta={"program": "boundaries", "habit": "weekly_look_back"},
        notes=fit_note("weekly look back", fitted, "earlier"),
    )


def timeoff_program(
    params: TimeOffParams, settings: HabitSettings, now: datetime
) -> list[ReminderSpec]:
    """The monthly "plan your next break": the first ``weekday`` of each month.

    Silent while time off is planned; ``server.habits.notify`` decides that when it comes.
    """
    weekday = params.weekday if params.weekday is not None else min(settings.work_days or (0,))
    fitted = fit_outside_quiet(to_minutes(params.time), settings, "later")
    wall = to_wall(fitted.minutes)
    return [
        ReminderSpec(
            kind="timeoff",
            title="Plan your next break",
            schedule={"type": "monthly", "week": 1, "weekday": weekday, "time": wall},
            preset="timeoff",
            meta={
                "program": "timeoff",
                "habit": "plan_time_off",
                "checkins": params.checkins,
                "checkin_time": params.checkin_time,
            },
            notes=fit_note("monthly reminder", fitted, "later"),
        )
    ]


# --- monthly ------------------------------------------------------------------------------


# --- registry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A program offered in onboarding and on the reminders screen."""

    id: str
    name: str
    description: str
    params: type[Params]
    build: Callable[[Any, HabitSettings, datetime], list[ReminderSpec]]
    user_defaults: Callable[[HabitSettings], dict[str, Any]] = lambda _settings: {}


def boundary_defaults(settings: HabitSettings) -> dict[str, Any]:
    """Look-back defaults that depend on the user's work days and hours."""
    if not settings.work_days:
        return {}
    minutes = shift_end_minutes(settings) + 30
    return {
        "look_back_day": (max(settings.work_days) + day_offset(minutes)) % 7,
        "look_back_time": to_wall(minutes),
    }


def timeoff_defaults(settings: HabitSettings) -> dict[str, Any]:
    """The monthly reminder defaults to the user's first work day."""
    return {"weekday": min(settings.work_days or (0,))}


PRESETS: dict[str, Preset] = {
    preset.id: preset
    for preset in (
        Preset(
            id="sleep",
            name="Sleep",
            description="A nudge to wind down before bedtime, worked out from your wake time "
            "and 7–9 hours of sleep, and a quick question about how you slept.",
            params=SleepParams,
            build=sleep_program,
        ),
        Preset(
            id="breaks",
            name="Breaks",
            description="Short breaks through your working hours, with a longer pause every "
            "few hours.",
            params=BreakParams,
            build=breaks_program,
        ),
        Preset(
            id="boundaries",
            name="Work boundaries",
            description="A reminder to stop when your workday ends, a later nudge if work "
            "runs on, and a weekly look back.",
            params=BoundaryParams,
            build=boundaries_program,
            user_defaults=boundary_defaults,
        ),
        Preset(
            id="timeoff",
            name="Time off",
            description="A monthly reminder to plan your next break while none is planned, "
            "and a check-in before and after time off.",
            params=TimeOffParams,
            build=timeoff_program,
            user_defaults=timeoff_defaults,
        ),
    )
}


def get_preset(preset_id: str) -> Preset:
    """The program with ``preset_id`` (``UnknownPreset`` if there is none)."""
    try:
        return PRESETS[preset_id]
    except KeyError:
        raise UnknownPreset(preset_id) from None


def validate_params(preset: Preset, params: dict | None) -> Params:
    """Parse parameters; ``PresetError`` carries one message per bad field."""
    try:
        return preset.params.model_validate(params or {})
    except ValidationError as exc:
        fields = fields_from_validation_error(exc)
        raise PresetError("Some settings need another look.", fields) from None


def build_preset(
    preset_id: str, params: dict | None, user_settings: Any, now: datetime | None = None
) -> list[ReminderSpec]:
    """The reminders a program creates for these parameters and this user.

    ``now`` (aware) matters only for the time-off program's first date; it
    defaults to the current time.
    """
    from server.db import utcnow

    preset = get_preset(preset_id)
    settings = settings_of(user_settings)
    parsed = validate_params(preset, params)
    return preset.build(parsed, settings, now or utcnow())


def parameter_list(preset: Preset, user_settings: Any) -> list[dict[str, Any]]:
    """The program's parameters for a form: name, type, default (for this user), limits, help."""
    settings = settings_of(user_settings)
    schema = preset.params.model_json_schema()
    resolved = preset.user_defaults(settings)
    fields = preset.params.model_fields
    described = []
    for name, prop in schema.get("properties", {}).items():
        options = [prop, *prop.get("anyOf", [])]
        kinds = [option.get("type") for option in options if option.get("type")]
        entry: dict[str, Any] = {
            "name": name,
            "type": next((kind for kind in kinds if kind != "null"), "string"),
            "nullable": "null" in kinds,
            # A default made by a factory (the days of the week) is not in the schema.
            "default": resolved.get(name, fields[name].get_default(call_default_factory=True)),
            "description": prop.get("description", ""),
        }
        if name in ("wake_time", "look_back_time", "time", "checkin_time"):
            entry["format"] = "HH:MM"
        for limit in ("minimum", "maximum", "multipleOf"):
            for option in options:
                if limit in option:
                    entry[limit] = option[limit]
        described.append(entry)
    return described


def describe_presets(user_settings: Any, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every program with its parameters and, for the defaults, the reminders it would make."""
    described = []
    for preset in PRESETS.values():
        try:
            preview, unavailable = build_preset(preset.id, None, user_settings, now), None
        except PresetError as exc:  # e.g. boundaries before any work day is set
            preview, unavailable = [], str(exc)
        described.append(
            {
                "id": preset.id,
                "name": preset.name,
                "description": preset.description,
                "parameters": parameter_list(preset, user_settings),
                "preview": [
                    {
                        "kind": spec.kind,
                        "title": spec.title,
                        "schedule": spec.schedule,
                        "notes": list(spec.notes),
                    }
                    for spec in preview
                ],
                "unavailable": unavailable,
            }
        )
    return described
