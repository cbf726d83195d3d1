"""Deciding: whether each claimed delivery may notify, from inputs loaded once per batch.

``load_inputs`` reads everything the policy needs for a whole batch in a few
queries; ``verdict`` is then a pure function applied once per delivery. The
rules themselves live in ``server.reminders.policy``, shared with the
``upcoming`` route so what is predicted is what is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from scheduler.claim import Claimed
from server.accounts.models import User
from server.checkins.bank import QuestionBank
from server.checkins.scoring import AnswerRecord
from server.checkins.service import current_bank, selection_histories
from server.push.sender import PushTarget
from server.push.service import targets_for_users
from server.reminders.kinds import CHECKIN_KINDS
from server.reminders.models import Delivery, DeliveryStatus, Reminder
from server.reminders.policy import (
    Occurrence,
    ReminderRule,
    TimeOffRange,
    decide,
    is_missed,
    later_today,
    policy_user_of,
    reserved_among,
)
from server.reminders.schedule import local_date
from server.reminders.service import notified_on_days, rules_of_users, time_off_of_users
from server.shifts.service import spans_of_users


@dataclass
class BatchInputs:
    """Everything the policy and the sender need for a batch, loaded in a few queries."""

    deliveries: dict[int, Delivery]
    reminders: dict[int, Reminder]
    users: dict[int, User]
    rules: dict[int, list[ReminderRule]]
    time_off: dict[int, tuple[TimeOffRange, ...]]
    targets: dict[int, list[PushTarget]]
    # Notifications already let through per (user, local day), counted up as the batch goes.
    notified: dict[tuple[int, date], int]
    # Answer histories for question selection, of the users with a check-in in the batch.
    histories: dict[int, list[AnswerRecord]] = field(default_factory=dict)
    # Read by the batch's first check-in (see ``bank_of``).
    bank: QuestionBank | None = None
    # Shifts around now of the batch's users in shifts mode.
    shifts: dict[int, tuple] = field(default_factory=dict)


def by_id(session: Session, model, ids: set[int]) -> dict:
    """ORM rows of ``model`` with the given ids."""
    if not ids:
        return {}
    rows = session.execute(select(model).where(model.id.in_(ids))).scalars()
    return {row.id: row for row in rows}


def claimed_deliveries(session: Session, ids: set[int]) -> dict[int, Delivery]:
    """The deliveries with ``ids`` still ``claimed``, detached from the session.

    Detached, the session never flushes them; ``write_decisions`` writes them
    all in one statement instead of the ORM's one per run of alike changes.
    """
    deliveries = {
        key: delivery
        for key, delivery in by_id(session, Delivery, ids).items()
        if delivery.status == DeliveryStatus.CLAIMED
    }
    for delivery in deliveries.values():
        session.expunge(delivery)
    return deliveries


def load_inputs(session: Session, batch: list[Claimed], now: datetime) -> BatchInputs:
    """Load the batch's deliveries, reminders, users, rules, time off, devices and counts.

    The users with a check-in or follow-up also get their answer history, for
    choosing the question.
    """
    deliveries = claimed_deliveries(session, {claimed.delivery_id for claimed in batch})
    reminders = by_id(session, Reminder, {c.reminder_id for c in batch if c.reminder_id})
    users = by_id(session, User, {claimed.user_id for claimed in batch})
    days = [
        (users[c.user_id], local_date(c.due_at, users[c.user_id].zone))
        for c in batch
        if c.user_id in users
    ]
    asking = {c.user_id for c in batch if c.kind in CHECKIN_KINDS and c.user_id in users}
    return BatchInputs(
        deliveries=deliveries,
        reminders=reminders,
        users=users,
        rules=rules_of_users(session, users),
        time_off=time_off_of_users(session, users),
        targets=targets_for_users(session, users),
        notified=notified_on_days(session, days),
        histories=selection_histories(session, [users[user_id] for user_id in asking], now),
        shifts=spans_of_users(session, users.values(), now),
    )


def bank_of(inputs: BatchInputs) -> QuestionBank:
    """The question bank, read once per batch.

    Read lazily rather than in ``load_inputs``: a bank file that cannot be read
    then fails the check-ins one by one instead of the whole batch.
    """
    if inputs.bank is None:
        inputs.bank = current_bank()
    return inputs.bank


@dataclass(frozen=True)
class Verdict:
    """The policy's answer for one delivery.

    ``status`` is None when the delivery may notify; otherwise the status (and
    ``reason``) it is closed with unsent. ``day`` is the user's local day the
    notification counts against.
    """

    status: DeliveryStatus | None
    reason: str | None = None
    day: tuple[int, date] | None = None

    @property
    def notify(self) -> bool:
        """Whether the delivery goes on to be worded and sent."""
        return self.status is None


def verdict(claimed: Claimed, inputs: BatchInputs, now: datetime) -> Verdict:
    """Whether ``claimed`` may notify now: pure over the preloaded ``inputs``."""
    delivery = inputs.deliveries.get(claimed.delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.CLAIMED:
        return Verdict(DeliveryStatus.ALREADY_DONE)
    if delivery.answered_at is not None:
        # Taken over after a crash, but the first copy got through and was answered.
        return Verdict(DeliveryStatus.SENT, "answered")
    reminder = inputs.reminders.get(claimed.reminder_id) if claimed.reminder_id else None
    user = inputs.users.get(claimed.user_id)
    if reminder is None or user is None:
        return Verdict(DeliveryStatus.SKIPPED, "reminder_deleted")
    rules = inputs.rules.get(user.id, ())
    settings = policy_user_of(user, inputs.shifts.get(user.id), rules)
    time_off = inputs.time_off.get(user.id, ())
    occ = Occurrence(
        reminder.id,
        reminder.kind,
        reminder.schedule.get("type", "daily"),
        claimed.due_at,
        (reminder.meta or {}).get("habit"),
    )
    others = [rule for rule in rules if rule.id != reminder.id]
    reserved = (
        reserved_among(occ, later_today(occ, others, settings.clock), settings, time_off)
        if others
        else 0
    )
    day = (user.id, local_date(claimed.due_at, user.zone))
    decision = decide(occ, settings, time_off, inputs.notified.get(day, 0), reserved)
    if not decision.notify:
        return Verdict(DeliveryStatus.SKIPPED, decision.reason)
    if is_missed(reminder.kind, claimed.due_at, now):
        return Verdict(DeliveryStatus.MISSED, "late")
    return Verdict(None, day=day)
