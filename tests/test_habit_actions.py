"""Notification buttons on habit reminders: done records adherence, snooze moves one occurrence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from server.accounts.models import User
from server.api import ApiError
from server.deliveries.tokens import issue_token
from server.habits import service
from server.habits.actions import apply_action
from server.habits.models import HabitEvent
from server.reminders.models import Delivery, Reminder
from server.reminders.policy import rule_occurrences, rule_of
from server.reminders.schedule import clock_of

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def user(db_session, alice) -> User:
    return db_session.get(User, alice.id)


def program(session, user, preset, params=None) -> dict[str, Reminder]:
    reminders, _ = service.apply_preset(session, user, preset, params or {}, NOW)
    session.commit()
    return {r.meta["habit"]: r for r in reminders}


def sent(session, reminder, due_at) -> Delivery:
    delivery = Delivery(
        reminder_id=reminder.id,
        user_id=reminder.user_id,
        kind=reminder.kind,
        due_at=due_at,
        status="sent",
        sent_at=due_at,
    )
    session.add(delivery)
    session.flush()
    return delivery


def events(session, user_id):
    query = select(HabitEvent).where(HabitEvent.user_id == user_id).order_by(HabitEvent.id)
    return list(session.execute(query).scalars())


def test_done_records_adherence_on_the_day_it_was_due(db_session, user):
    breaks = program(db_session, user, "breaks")["breaks"]
    delivery = sent(db_session, breaks, berlin(2026, 3, 9, 10, 30))
    answer = apply_action(db_session, delivery, "done", berlin(2026, 3, 9, 10, 34))
    assert answer == {"action": "done", "local_date": "2026-03-09"}
    [event] = events(db_session, user.id)
    assert (event.action, event.reminder_kind, event.reminder_id, event.delivery_id) == (
        "done",
        "break",
        breaks.id,
        delivery.id,
    )
    assert event.at == berlin(2026, 3, 9, 10, 34)


def test_snooze_moves_this_occurrence_only(db_session, user):
    breaks = program(db_session, user, "breaks")["breaks"]
    delivery = sent(db_session, breaks, berlin(2026, 3, 9, 10, 30))
    tapped = berlin(2026, 3, 9, 10, 31)
    answer = apply_action(db_session, delivery, "snooze", tapped)
    assert answer == {
        "action": "snooze",
        "snoozed_until": (tapped + timedelta(minutes=10)).isoformat(),
    }
    assert breaks.next_due_at == tapped + timedelta(minutes=10)
    rest_of_day = rule_occurrences(
        rule_of(breaks), clock_of(user), tapped, berlin(2026, 3, 9, 23, 59)
    )
    local = [occ.at.astimezone(BERLIN).strftime("%H:%M") for occ in rest_of_day]
    assert local == ["10:41", "12:00", "13:30", "15:00", "16:30"]
    assert [e.action for e in events(db_session, user.id)] == ["snooze"]


def test_day_done_silences_that_days_nudge_once(db_session, user):
    reminders = program(db_session, user, "boundaries")
    delivery = sent(db_session, reminders["workday_end"], berlin(2026, 3, 9, 17, 0))
    answer = apply_action(db_session, delivery, "day_done", berlin(2026, 3, 9, 17, 2))
    assert answer == {"action": "day_done", "local_date": "2026-03-09"}
    assert service.day_done_on(db_session, user.id, date(2026, 3, 9))
    assert not service.day_done_on(db_session, user.id, date(2026, 3, 10))
    apply_action(db_session, delivery, "day_done", berlin(2026, 3, 9, 17, 3))
    assert len(events(db_session, user.id)) == 1


def test_day_done_on_a_late_nudge_belongs_to_the_day_that_ran_on(db_session, user):
    user.work_start, user.work_end = "15:00", "23:00"
    reminders = program(db_session, user, "boundaries")
    nudge = reminders["after_hours"]
    assert nudge.schedule["time"] == "00:30"
    delivery = sent(db_session, nudge, berlin(2026, 3, 10, 0, 30))
    answer = apply_action(db_session, delivery, "day_done", berlin(2026, 3, 10, 0, 35))
    assert answer["local_date"] == "2026-03-09"


def test_unknown_action_is_a_400(db_session, user):
    breaks = program(db_session, user, "breaks")["breaks"]
    delivery = sent(db_session, breaks, berlin(2026, 3, 9, 10, 30))
    with pytest.raises(ApiError) as caught:
        apply_action(db_session, delivery, "dance", NOW)
    assert (caught.value.status, caught.value.code) == (400, "unknown_action")


def test_snoozing_a_removed_reminder_is_410(db_session, user):
    breaks = program(db_session, user, "breaks")["breaks"]
    delivery = sent(db_session, breaks, berlin(2026, 3, 9, 10, 30))
    delivery.reminder_id = None
    with pytest.raises(ApiError) as caught:
        apply_action(db_session, delivery, "snooze", NOW)
    assert caught.value.status == 410


def test_buttons_work_through_the_answer_token(client, db_session, user):
    breaks = program(db_session, user, "breaks")["breaks"]
    tapped = berlin(2026, 3, 9, 10, 31)
    delivery = sent(db_session, breaks, berlin(2026, 3, 9, 10, 30))
    token = issue_token(delivery, tapped, "test-secret-key")
    db_session.commit()
    with time_machine.travel(tapped, tick=False):
        response = client.post(f"/api/deliveries/{token}/answer", json={"action": "snooze"})
        assert response.status_code == 200, response.get_json()
        again = client.post(f"/api/deliveries/{token}/answer", json={"action": "done"})
        assert again.status_code == 404
    db_session.expire_all()
    assert db_session.get(Reminder, breaks.id).snoozed_until == tapped + timedelta(minutes=10)
