"""When a reminder may be snoozed, and to when: pure rules over its times.

A snooze moves one occurrence: the one that has just fallen due, or else the one
about to. It is offered only then, and it never brings an occurrence earlier
than it was — "an hour later" means an hour after the occurrence, or after now
when the occurrence has already passed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# How close an occurrence must be, either side of now, for a snooze to make sense.
SNOOZE_AHEAD = timedelta(minutes=60)
SNOOZE_BEHIND = timedelta(minutes=60)


def snoozable_moment(
    next_due_at: datetime | None, fell_due_at: datetime | None, now: datetime
) -> datetime | None:
    """The occurrence a snooze would move, or None when nothing is due or about to be.

    ``fell_due_at`` is the reminder's latest occurrence that notified, if any.
    One that is overdue or fell due lately comes first: that is what a person
    who snoozes right after a notification means.
    """
    if next_due_at is not None and next_due_at <= now:
        return next_due_at
    if fell_due_at is not None and now - SNOOZE_BEHIND <= fell_due_at <= now:
        return fell_due_at
    if next_due_at is not None and next_due_at <= now + SNOOZE_AHEAD:
        return next_due_at
    return None


def snoozed_time(moment: datetime, now: datetime, minutes: int) -> datetime:
    """``minutes`` after the occurrence, counted from now once it has passed: never earlier."""
    return max(moment, now) + timedelta(minutes=minutes)
