"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from server.accounts.models import LoginSession, LoginThrottle, User
from server.checkins.models import CheckIn, CheckInAnswer, Moment
from server.habits.models import HabitEvent
from server.push.models import PushSubscription
from server.reminders.models import Delivery, Reminder
from server.support.models import RestoringActivity, SupportPerson
from server.timeoff.models import TimeOff

__all__ = [
    "CheckIn",
    "CheckInAnswer",
    "Delivery",
    "HabitEvent",
    "LoginSession",
    "LoginThrottle",
    "Moment",
    "PushSubscription",
    "Reminder",
    "RestoringActivity",
    "SupportPerson",
    "TimeOff",
    "User",
]
