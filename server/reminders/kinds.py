"""The reminder kinds: one table every layer reads.

A kind's row says the title a reminder gets when the user gives none, whether
it asks check-in questions, whether it is about work (silent on time off), how
late it may still be sent after downtime (which is also how long the push
service keeps it), how urgent it is, and which habit wording it uses when a
program did not choose one. Adding a kind means adding a row here, and its
wording in the feature that owns it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal


@dataclass(frozen=True)
class ReminderKind:
    """What every layer needs to know about one kind of reminder.

    ``title`` is None when the user must give their own. ``grace`` is how late an
    occurrence may still be sent: a break reminder an hour late is noise, a
    check-in is welcome for hours.
    """

    name: str
    title: str | None
    asks: bool = False
    about_work: bool = False
    grace: timedelta = timedelta(minutes=30)
    urgency: str = "normal"
    habit: str | None = None

    @property
    def ttl(self) -> int:
        """Seconds the push service keeps the notification: as long as it is worth showing."""
        return int(self.grace.total_seconds())


TABLE = (
    ReminderKind("checkin", "A moment to check in", asks=True, grace=timedelta(hours=4)),
    ReminderKind(
        "sleep", "Time to start winding down", grace=timedelta(minutes=45), habit="wind_down"
    ),
    ReminderKind(
        "break",
        "Time for a short break",
        about_work=True,
        grace=timedelta(minutes=10),
        habit="breaks",
    ),
    ReminderKind(
        "boundary",
        "Time to wrap up for today",
        about_work=True,
        grace=timedelta(minutes=45),
        habit="workday_end",
    ),
    ReminderKind(
        "timeoff",
        "A moment to think about time off",
        grace=timedelta(hours=12),
        habit="plan_time_off",
    ),
    ReminderKind("followup", "How are you doing now?", asks=True, grace=timedelta(hours=6)),
    ReminderKind("custom", None, grace=timedelta(hours=1), urgency="low", habit="custom"),
    # One Learn card a week; worded by server/learn/notify.py.
    ReminderKind("learn", "One card this week", grace=timedelta(hours=12), urgency="low"),
    # The monthly look back; worded (or kept silent once done) by server/reflections/notify.py.
    ReminderKind("reflection", "Your monthly look back", grace=timedelta(days=1), urgency="low"),
)
KINDS: dict[str, ReminderKind] = {kind.name: kind for kind in TABLE}
# The API's enum of kinds, made from the table.
Kind = Literal[tuple(KINDS)]
CHECKIN_KINDS = frozenset(kind.name for kind in TABLE if kind.asks)
# Reminders about work make no sense on a day off; sleep and check-ins carry on.
WORK_KINDS = frozenset(kind.name for kind in TABLE if kind.about_work)


def kind_of(name: str) -> ReminderKind:
    """The row of ``name``; a kind no longer known gets the defaults."""
    return KINDS.get(name) or ReminderKind(name, None)


def default_title(kind: str) -> str | None:
    """The title a reminder of ``kind`` gets when the user gives none (None: they must)."""
    return kind_of(kind).title


def grace_of(kind: str) -> timedelta:
    """How late an occurrence of ``kind`` may still be sent."""
    return kind_of(kind).grace
