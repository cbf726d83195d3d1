"""Shift operations: add, change, remove, write patterns out, and read spans for the policy.

Functions that take a session never commit: the caller ends its unit of work.

Patterns roll forward without a background job: concrete shifts are written
for ``weeks`` ahead when a pattern is made and topped up whenever the person's
shifts are read (``extend_patterns``). Beyond what is written, the spans the
policy and the dispatcher read (``spans_of_users``) are worked out from the
pattern itself, so reminders keep following the cycle even if nobody opens the
app for months — and the dispatcher never writes shifts in its hot path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlmodel import Session

from server.api import ApiError, owned_or_404
from server.reminders.schedule import day_bounds, local_date
from server.shifts.models import Shift, ShiftPattern
from server.shifts.rules import (
    ShiftError,
    Span,
    check_span,
    cycle_span,
    overlapping,
    pattern_days,
)

# How far around "now" the policy and dispatcher read shifts.
SPANS_BEFORE = timedelta(days=2)
SPANS_AFTER = timedelta(days=63)


def span_of(shift: Shift) -> Span:
    """The rules' view of a shift row."""
    return Span(shift.start, shift.end, shift.kind)


def shift_error(exc: ShiftError) -> ApiError:
    """A 400 with the field that is wrong."""
    return ApiError(400, "invalid_shift", str(exc), fields={exc.field: str(exc)})


def require_valid(span: Span) -> None:
    """400 unless the shift ends after it starts and lasts at most 24 hours."""
    try:
        check_span(span)
    except ShiftError as exc:
        raise shift_error(exc) from None


def shifts_between(session: Session, user_id: int, start: datetime, end: datetime) -> list[Shift]:
    """The user's shifts that touch ``[start, end)``, by start."""
    return list(
        session.execute(
            select(Shift)
            .where(Shift.user_id == user_id, Shift.end > start, Shift.start < end)
            .order_by(Shift.start, Shift.id)
        ).scalars()
    )


def shifts_on_days(session: Session, user, first: date, last: date) -> list[Shift]:
    """The user's shifts touching local days ``first`` to ``last``."""
    start, _ = day_bounds(first, user.zone)
    _, end = day_bounds(last, user.zone)
    return shifts_between(session, user.id, start, end)


def require_free(session: Session, user_id: int, span: Span, ignore: int | None = None) -> None:
    """409 when the span overlaps another of the user's shifts."""
    clashes = [
        row for row in shifts_between(session, user_id, span.start, span.end) if row.id != ignore
    ]
    if clashes:
        raise ApiError(
            409,
            "shift_overlap",
            "This shift overlaps another one. Change or remove that one first.",
        )


def add_shift(
    session: Session,
    user_id: int,
    span: Span,
    label: str | None,
    *,
    pattern_id: int | None = None,
    ics_uid: str | None = None,
) -> Shift:
    """Add a checked, non-overlapping shift (flushed)."""
    require_valid(span)
    require_free(session, user_id, span)
    shift = Shift(
        user_id=user_id,
        start=span.start,
        end=span.end,
        kind=span.kind,
        label=label or None,
        pattern_id=pattern_id,
        ics_uid=ics_uid,
    )
    session.add(shift)
    session.flush()
    return shift


def change_shift(session: Session, shift: Shift, span: Span, label: str | None) -> Shift:
    """Move or relabel a shift; the same checks as adding it."""
    require_valid(span)
    require_free(session, shift.user_id, span, ignore=shift.id)
    shift.start, shift.end, shift.kind, shift.label = span.start, span.end, span.kind, label
    session.add(shift)
    session.flush()
    return shift


def owned_shift(session: Session, user_id: int, shift_id: int) -> Shift:
    """The user's shift, or 404."""
    return owned_or_404(session, Shift, user_id, shift_id, "shift")


# --- patterns -------------------------------------------------------------------------------


def write_pattern_days(
    session: Session, user, pattern: ShiftPattern, first: date, last: date
) -> list[Shift]:
    """Write the pattern's shifts for local days ``first``–``last``, skipping clashes."""
    zone = user.zone
    written = []
    for day, entry in pattern_days(pattern.start_date, pattern.cycle, first, last):
        span = cycle_span(day, entry, zone)
        if shifts_between(session, user.id, span.start, span.end):
            continue
        shift = Shift(
            user_id=user.id,
            start=span.start,
            end=span.end,
            kind=span.kind,
            label=entry.get("label") or None,
            pattern_id=pattern.id,
        )
        session.add(shift)
        session.flush()
        written.append(shift)
    pattern.written_until = max(pattern.written_until, last)
    session.add(pattern)
    session.flush()
    return written


def create_pattern(
    session: Session, user, start_date: date, cycle: list, weeks: int
) -> tuple[ShiftPattern, list[Shift]]:
    """Store a pattern and write out its shifts for ``weeks`` weeks from ``start_date``."""
    for index, entry in enumerate(cycle):
        if entry is None:
            continue
        try:
            check_span(cycle_span(start_date, entry, user.zone))
        except ShiftError as exc:
            raise ApiError(
                400, "invalid_shift", str(exc), fields={f"cycle.{index}.end": str(exc)}
            ) from None
    pattern = ShiftPattern(
        user_id=user.id,
        start_date=start_date,
        cycle=cycle,
        weeks=weeks,
        written_until=start_date - timedelta(days=1),
    )
    session.add(pattern)
    session.flush()
    last = start_date + timedelta(weeks=weeks) - timedelta(days=1)
    return pattern, write_pattern_days(session, user, pattern, start_date, last)


def user_patterns(session: Session, user_id: int) -> list[ShiftPattern]:
    """The user's patterns, oldest first."""
    return list(
        session.execute(
            select(ShiftPattern).where(ShiftPattern.user_id == user_id).order_by(ShiftPattern.id)
        ).scalars()
    )


def extend_patterns(session: Session, user, now: datetime) -> int:
    """Top each pattern up to ``weeks`` ahead of today; how many shifts were written."""
    today = local_date(now, user.zone)
    written = 0
    for pattern in user_patterns(session, user.id):
        horizon = today + timedelta(weeks=pattern.weeks)
        if pattern.written_until < horizon:
            first = max(pattern.written_until + timedelta(days=1), pattern.start_date)
            written += len(write_pattern_days(session, user, pattern, first, horizon))
    return written


def delete_pattern(session: Session, pattern: ShiftPattern, now: datetime) -> None:
    """Remove a pattern and its shifts still to come; past ones stay, unlinked."""
    session.execute(delete(Shift).where(Shift.pattern_id == pattern.id, Shift.start >= now))
    session.execute(update(Shift).where(Shift.pattern_id == pattern.id).values(pattern_id=None))
    session.delete(pattern)
    session.flush()


def owned_pattern(session: Session, user_id: int, pattern_id: int) -> ShiftPattern:
    """The user's pattern, or 404."""
    return owned_or_404(session, ShiftPattern, user_id, pattern_id, "pattern")


# --- what the policy reads ------------------------------------------------------------------


def spans_of_users(connection, users: Iterable, now: datetime) -> dict[int, tuple[Span, ...]]:
    """The shifts around ``now`` of the users in shifts mode, written and still to be written.

    ``users`` are rows with ``id``, ``timezone`` and ``schedule_mode``;
    ``connection`` is a session or a Core connection.
    """
    wanted = {u.id: ZoneInfo(u.timezone) for u in users if u.schedule_mode == "shifts"}
    if not wanted:
        return {}
    start, end = now - SPANS_BEFORE, now + SPANS_AFTER
    found: dict[int, list[Span]] = defaultdict(list)
    table = Shift.__table__
    rows = connection.execute(
        select(table.c.user_id, table.c.start, table.c.end, table.c.kind).where(
            table.c.user_id.in_(wanted), table.c.end > start, table.c.start < end
        )
    )
    for row in rows:
        found[row.user_id].append(Span(row.start, row.end, row.kind))
    patterns = ShiftPattern.__table__
    for row in connection.execute(select(patterns).where(patterns.c.user_id.in_(wanted))):
        zone = wanted[row.user_id]
        first = row.written_until + timedelta(days=1)
        for day, entry in pattern_days(row.start_date, row.cycle, first, local_date(end, zone)):
            span = cycle_span(day, entry, zone)
            if not overlapping(span, found[row.user_id]):
                found[row.user_id].append(span)
    return {
        user_id: tuple(sorted(spans, key=lambda s: s.start)) for user_id, spans in found.items()
    } | {user_id: () for user_id in wanted if user_id not in found}


def spans_of_user(session: Session, user, now: datetime) -> tuple[Span, ...] | None:
    """``spans_of_users`` for one user (None in weekly mode)."""
    return spans_of_users(session, [user], now).get(user.id)


def replace_imported(session: Session, user_id: int, uid: str) -> None:
    """Remove shifts an earlier import brought in under ``uid``."""
    session.execute(delete(Shift).where(Shift.user_id == user_id, Shift.ics_uid == uid))
    session.flush()
