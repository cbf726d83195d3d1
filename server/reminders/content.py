"""The shape of a reminder's notification, shared by the features that word one.

Check-ins and follow-ups are worded by ``server.checkins.notify.checkin_content``,
every other kind by ``server.habits.notify.habit_content``; both return a
``NotificationContent``, and ``scheduler.compose`` picks between them by kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.reminders.kinds import kind_of


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
    return kind_of(kind).ttl
