"""What a reminder's notification says: one dispatcher by kind over the features that know.

Check-ins and follow-ups are worded by ``server.checkins.notify.checkin_content``,
every other kind by ``server.habits.notify.habit_content``. Both return a
``NotificationContent``. While one of those modules does not exist yet, a
plain notification built from the reminder's title stands in.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType

from server.reminders.policy import DEFAULT_GRACE, GRACE

CHECKIN_KINDS = frozenset({"checkin", "followup"})
PLAIN_BODIES = {
    "checkin": "A question or two, whenever you have a moment.",
    "followup": "A quick look at how you are doing now.",
    "sleep": "Your evening is yours. Time to slow down.",
    "break": "Stand up, stretch, look at something far away.",
    "boundary": "Your workday is done. The rest can wait.",
    "timeoff": "When did you last have a real break? Maybe plan the next one.",
}


@dataclass(frozen=True)
class NotificationContent:
    """Everything the dispatcher needs to build the push payload.

    ``actions`` are Declarative Web Push actions (``action``, ``title`` and a
    ``navigate`` path or URL); ``extra`` becomes top-level payload fields for
    the service worker; ``navigate_path`` is app-relative ("/#/checkin"); ``ttl``
    is in seconds; ``urgency`` is one of very-low, low, normal, high.
    """

    title: str
    body: str
    actions: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    navigate_path: str = "/"
    ttl: int = 3600
    urgency: str = "normal"


def default_ttl(kind: str) -> int:
    """Keep a notification at the push service only as long as it is still worth showing."""
    return int(GRACE.get(kind, DEFAULT_GRACE).total_seconds())


def plain_content(reminder) -> NotificationContent:
    """A simple notification from the reminder itself."""
    path = "/#/checkin" if reminder.kind in CHECKIN_KINDS else "/#/today"
    return NotificationContent(
        title=reminder.title,
        body=PLAIN_BODIES.get(reminder.kind, ""),
        navigate_path=path,
        ttl=default_ttl(reminder.kind),
    )


def optional_module(name: str) -> ModuleType | None:
    """Import ``name`` if it exists; a broken module still raises."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def compose(session, user, reminder, delivery, now: datetime, *, history=None,
            bank=None) -> NotificationContent | None:
    """The notification for one delivery of ``reminder``.

    None means the feature decided this occurrence stays silent; it has then set
    ``delivery.status`` and ``delivery.reason`` itself. ``history`` (the user's
    selection history) and ``bank`` (the question bank), when given, are passed
    on to the check-in wording so it need not load them for every delivery;
    other kinds ignore them.
    """
    if reminder.kind in CHECKIN_KINDS:
        module = optional_module("server.checkins.notify")
        if module is None or not hasattr(module, "checkin_content"):
            return plain_content(reminder)
        return module.checkin_content(session, user, reminder, delivery, now, history=history,
                                      bank=bank)
    module = optional_module("server.habits.notify")
    if module is None or not hasattr(module, "habit_content"):
        return plain_content(reminder)
    return module.habit_content(session, user, reminder, delivery, now)
