"""Reading a roster exported as iCalendar (``.ics``) into shifts, with the icalendar library.

Each timed ``VEVENT`` is a shift. Times with a ``TZID`` follow that zone (the
file's own ``VTIMEZONE`` where the name is not an IANA one); floating times
are the user's local time; both resolve missing or repeated wall times on DST
days as reminders do. All-day events (a ``DATE`` start: holidays, "off",
training days) are skipped, and so are events that cannot be a shift (no end,
longer than 24 hours).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from server.shifts.rules import ShiftError, Span, check_span, resolve_wall

LABEL_LENGTH = 80
ON_CALL_WORDS = ("on call", "on-call", "oncall", "standby")


class CalendarError(ValueError):
    """The body is not an iCalendar file."""


@dataclass(frozen=True)
class RosterEvent:
    """One event read from the file: its span, label and UID (None when it has none)."""

    span: Span
    label: str | None
    uid: str | None


def instant_of(value: datetime, zone: ZoneInfo) -> datetime:
    """A DTSTART/DTEND value as a UTC instant."""
    if value.tzinfo is None:
        return resolve_wall(value, zone)
    if isinstance(value.tzinfo, ZoneInfo):
        return resolve_wall(value.replace(tzinfo=None), value.tzinfo)
    return value.astimezone(UTC)


def event_end(event, start: datetime) -> datetime | None:
    """DTEND, or DTSTART + DURATION, or None."""
    if event.get("DTEND") is not None:
        return event.decoded("DTEND")
    if event.get("DURATION") is not None:
        duration = event.decoded("DURATION")
        if isinstance(duration, timedelta):
            return start + duration
    return None


def kind_of(label: str | None) -> str:
    """``on_call`` when the summary says so, else ``work``."""
    text = (label or "").lower()
    return "on_call" if any(word in text for word in ON_CALL_WORDS) else "work"


def read_event(event, zone: ZoneInfo) -> RosterEvent | None:
    """The shift an event stands for, or None when it is all-day or not a possible shift."""
    if event.get("DTSTART") is None:
        return None
    start = event.decoded("DTSTART")
    if not isinstance(start, datetime) and isinstance(start, date):
        return None
    end = event_end(event, start)
    if not isinstance(end, datetime):
        return None
    summary = event.get("SUMMARY")
    label = str(summary).strip()[:LABEL_LENGTH] if summary is not None else None
    span = Span(instant_of(start, zone), instant_of(end, zone), kind_of(label))
    try:
        check_span(span)
    except ShiftError:
        return None
    uid = event.get("UID")
    return RosterEvent(span, label or None, str(uid)[:255] if uid is not None else None)


def read_roster(text: bytes, zone: ZoneInfo) -> tuple[list[RosterEvent], int]:
    """The shifts of a calendar file and how many of its events were skipped."""
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as exc:
        raise CalendarError(str(exc)) from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise CalendarError("not a VCALENDAR")
    events, skipped = [], 0
    for component in calendar.walk("VEVENT"):
        try:
            found = read_event(component, zone)
        except (ValueError, TypeError, KeyError, OverflowError):
            found = None
        if found is None:
            skipped += 1
        else:
            events.append(found)
    return events, skipped
