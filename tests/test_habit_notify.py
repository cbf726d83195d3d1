"""Habit notification content: rotated words, the right buttons, and silence when it is due."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from server.accounts.models import User
from server.habits import service
from server.habits.notify import break_number, habit_content
from server.habits.wording import load_wording
from server.reminders.models import Delivery, Reminder
from server.reminders.service import create_reminder
from server.timeoff.models import TimeOff

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 9 March 2026, 08:00 in Berlin.
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


def delivery_for(session, reminder: Reminder, due_at: datetime) -> Delivery:
    delivery = Delivery(
        reminder_id=reminder.id,
        user_id=reminder.user_id,
        kind=reminder.kind,
        due_at=due_at,
        status="claimed",
    )
    session.add(delivery)
    session.flush()
    return delivery


def compose(session, user, reminder, due_at, now=None):
    delivery = delivery_for(session, reminder, due_at)
    return habit_content(session, user, reminder, delivery, now or due_at), delivery


def titles(kind):
    return {variant.title for variant in load_wording().variants(kind)}


def test_breaks_short_then_a_longer_pause_every_second(db_session, user):
    breaks = program(db_session, user, "breaks")["breaks"]
    first, _ = compose(db_session, user, breaks, berlin(2026, 3, 9, 10, 30))
    second, _ = compose(db_session, user, breaks, berlin(2026, 3, 9, 12, 0))
    third, _ = compose(db_session, user, breaks, berlin(2026, 3, 9, 13, 30))
    fourth, _ = compose(db_session, user, breaks, berlin(2026, 3, 9, 15, 0))
    assert first.title in titles("break_short")
    assert second.title in titles("break_long")
    assert third.title in titles("break_short")
    assert fourth.title in titles("break_long")
    assert first.title != third.title
    assert [a["action"] for a in first.actions] == ["done", "snooze"]
    assert [a["title"] for a in first.actions] == ["Done", "Snooze 10 min"]
    assert first.ttl == 600


def test_break_numbers_follow_the_shift_and_round_snoozes(db_session, user):
    breaks = program(db_session, user, "breaks")["breaks"]
    assert break_number(breaks, berlin(2026, 3, 9, 10, 30), user) == 1
    assert break_number(breaks, berlin(2026, 3, 9, 10, 40), user) == 1
    assert break_number(breaks, berlin(2026, 3, 9, 16, 30), user) == 5


def test_break_words_change_from_day_to_day(db_session, user):
    breaks = program(db_session, user, "breaks")["breaks"]
    monday, _ = compose(db_session, user, breaks, berlin(2026, 3, 9, 10, 30))
    tuesday, _ = compose(db_session, user, breaks, berlin(2026, 3, 10, 10, 30))
    assert monday.title != tuesday.title


def test_end_of_workday_offers_done_for_today(db_session, user):
    stop = program(db_session, user, "boundaries")["workday_end"]
    content, _ = compose(db_session, user, stop, berlin(2026, 3, 9, 17, 0))
    assert content.title in titles("workday_end")
    assert content.actions == [{"action": "day_done", "title": "Done for today"}]


def test_after_hours_nudge_unless_the_day_is_done(db_session, user):
    reminders = program(db_session, user, "boundaries")
    nudge = reminders["after_hours"]
    content, delivery = compose(db_session, user, nudge, berlin(2026, 3, 9, 18, 30))
    assert content.title in titles("after_hours")
    assert delivery.status == "claimed"

    service.mark_day_done(db_session, user, date(2026, 3, 10), berlin(2026, 3, 10, 17, 5))
    silent, skipped = compose(db_session, user, nudge, berlin(2026, 3, 10, 18, 30))
    assert silent is None
    assert (skipped.status, skipped.reason) == ("skipped", "day_done")


def test_sleep_check_asks_a_sleep_question_with_quick_answers(app, db_session, user):
    check = program(db_session, user, "sleep")["sleep_check"]
    # The question comes from the app's bank, as in the dispatcher's app context.
    with app.app_context():
        content, delivery = compose(db_session, user, check, berlin(2026, 3, 10, 7, 0))
    assert delivery.question_id.startswith("sleep.")
    assert content.title in titles("sleep_check")
    assert all(a["action"].startswith("answer:") for a in content.actions)
    assert len(content.actions) == 2
    assert content.navigate_path == "/#/checkin"
    assert content.extra == {"question_id": delivery.question_id}


def test_wind_down_names_the_bedtime(db_session, user):
    wind_down = program(db_session, user, "sleep")["wind_down"]
    content, _ = compose(db_session, user, wind_down, berlin(2026, 3, 9, 21, 45))
    assert "22:30" in content.body
    assert content.urgency == "low"


def test_a_reminder_made_by_hand_gets_varied_words_too(db_session, user):
    hand_made = create_reminder(
        db_session, user, "sleep", None, {"type": "daily", "time": "21:30"}, now=NOW
    )
    content, _ = compose(db_session, user, hand_made, berlin(2026, 3, 9, 21, 30))
    assert content.title in titles("sleep_wind_down")
    assert "{" not in content.body


def test_plan_reminder_words_follow_the_clock(db_session, user):
    plan = program(db_session, user, "timeoff")["plan_time_off"]
    db_session.add(
        TimeOff(user_id=user.id, start=date(2025, 8, 1), end=date(2025, 8, 15), kind="taken")
    )
    due = berlin(2026, 4, 6, 12, 30)
    content, _ = compose(db_session, user, plan, due)
    assert content.title in {
        v.render({"days": 234}).title for v in load_wording().variants("timeoff_plan_strong")
    }
    assert "234" in content.title + content.body
    assert content.navigate_path == "/#/settings/timeoff"
    # A monthly rule: nothing to plan again after it speaks.
    assert plan.schedule == {"type": "monthly", "week": 1, "weekday": 0, "time": "12:30"}


def test_plan_reminder_is_silent_while_time_off_is_planned(db_session, user):
    plan = program(db_session, user, "timeoff")["plan_time_off"]
    db_session.add(
        TimeOff(user_id=user.id, start=date(2026, 5, 20), end=date(2026, 5, 29), kind="planned")
    )
    content, delivery = compose(db_session, user, plan, berlin(2026, 4, 6, 12, 30))
    assert content is None
    assert (delivery.status, delivery.reason) == ("skipped", "time_off_planned")
    assert plan.schedule == {"type": "monthly", "week": 1, "weekday": 0, "time": "12:30"}


def test_before_and_after_time_off_lead_to_a_checkin(db_session, user):
    program(db_session, user, "timeoff")
    entry = TimeOff(user_id=user.id, start=date(2026, 3, 20), end=date(2026, 3, 23), kind="planned")
    db_session.add(entry)
    db_session.flush()
    from server.timeoff.service import sync_program_reminders

    sync_program_reminders(db_session, user, NOW)
    reminders = {
        r.meta["habit"]: r for r in service.preset_reminders(db_session, user.id, "timeoff")
    }
    before, _ = compose(db_session, user, reminders["timeoff_before"], berlin(2026, 3, 19, 18))
    after, _ = compose(db_session, user, reminders["timeoff_after"], berlin(2026, 3, 24, 18))
    assert before.title in titles("timeoff_before")
    assert after.title in titles("timeoff_after")
    assert before.navigate_path == after.navigate_path == "/#/checkin"


def test_weekly_look_back_counts_days_that_ran_over(app, db_session, user):
    reminders = program(db_session, user, "boundaries")
    stop, nudge = reminders["workday_end"], reminders["after_hours"]
    for day in (9, 10, 11):
        sent = delivery_for(db_session, stop, berlin(2026, 3, day, 17, 0))
        sent.status = "sent"
    # Monday: done on time. Tuesday: done at 19:00. Wednesday: the nudge had to go out.
    service.mark_day_done(db_session, user, date(2026, 3, 9), berlin(2026, 3, 9, 17, 5))
    service.mark_day_done(db_session, user, date(2026, 3, 10), berlin(2026, 3, 10, 19, 0))
    delivery_for(db_session, nudge, berlin(2026, 3, 11, 18, 30)).status = "sent"
    db_session.flush()
    with app.app_context():  # the app's question bank
        content, _ = compose(
            db_session, user, reminders["weekly_look_back"], berlin(2026, 3, 13, 17, 30)
        )
    assert content.body == (
        "Work ran over on 2 of your 3 workdays this week. Have a look at your week."
    )
    assert content.navigate_path == "/#/trends"
