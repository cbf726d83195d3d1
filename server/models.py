"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from server.accounts.models import LoginSession, LoginThrottle, User
from server.checkins.models import CheckIn, CheckInAnswer, Moment
from server.exercises.models import Exercise
from server.habits.models import HabitEvent
from server.ops.models import SchedulerHeartbeat
from server.passkeys.models import Passkey, PasskeyChallenge
from server.privacy.models import AppLock
from server.push.models import PushSubscription, RemovedDevice
from server.reflections.models import Reflection, ReflectionAnswer
from server.reminders.models import Delivery, Reminder
from server.shifts.models import Shift, ShiftPattern
from server.support.models import RestoringActivity, SupportPerson
from server.timeoff.models import TimeOff

__all__ = [
    "AppLock",
    "SchedulerHeartbeat",
    "CheckIn",
    "CheckInAnswer",
    "Delivery",
    "Exercise",
    "HabitEvent",
    "LoginSession",
    "LoginThrottle",
    "Moment",
    "Passkey",
    "PasskeyChallenge",
    "PushSubscription",
    "Reflection",
    "ReflectionAnswer",
    "RemovedDevice",
    "Reminder",
    "RestoringActivity",
    "Shift",
    "ShiftPattern",
    "SupportPerson",
    "TimeOff",
    "User",
]
