"""Question rotation: coverage every 7 days, worsening domains more often, variety."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from server.checkins.bank import load_bank
from server.checkins.selection import WINDOW_DAYS, questions_needed, select_questions

BANK = load_bank()


def answer_daily(start: date, days: int, answer_for, rng_seed: int = 0):
    """Simulate a user who answers every check-in; returns the questions asked per day."""
    history: list[tuple] = []
    asked = []
    rng = random.Random(rng_seed)
    for offset in range(days):
        today = start + timedelta(days=offset)
        questions = select_questions(BANK, history, today, rng=rng)
        asked.append(questions)
        history.extend((today, q.id, q.domain, answer_for(q, today)) for q in questions)
    return asked


@settings(max_examples=40, deadline=None)
@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    seed=st.integers(min_value=0, max_value=10_000),
    days=st.integers(min_value=7, max_value=45),
)
def test_every_domain_in_every_seven_day_window(start, seed, days):
    answers = random.Random(seed)
    asked = answer_daily(start, days, lambda q, d: answers.randint(q.scale.min, q.scale.max), seed)
    for first in range(days - 6):
        window = {q.domain for day in asked[first : first + 7] for q in day}
        assert window == set(BANK.domains), (first, set(BANK.domains) - window)
    for before, after in zip(asked, asked[1:], strict=False):
        assert 1 <= len(after) <= 3
        assert not {q.id for q in before} & {q.id for q in after}


def test_a_calm_user_gets_two_questions_a_day():
    # Answers that mean "no strain" never trigger the extra place.
    def calm(question, _day):
        scale = question.scale
        return scale.max if question.direction == "higher_is_better" else scale.min

    asked = answer_daily(date(2026, 3, 2), 21, calm)
    assert [len(day) for day in asked] == [2] * 21


def test_worsening_domain_is_asked_more_often():
    def sleep_gets_worse(question, day):
        if question.domain == "sleep":
            return question.scale.min if question.direction == "higher_is_better" else 5
        return question.scale.max if question.direction == "higher_is_better" else 1

    asked = answer_daily(date(2026, 3, 2), 28, sleep_gets_worse)
    sleep_days = sum(1 for day in asked if any(q.domain == "sleep" for q in day))
    focus_days = sum(1 for day in asked if any(q.domain == "focus" for q in day))
    assert sleep_days >= 2 * focus_days


def test_items_within_a_domain_vary():
    asked = answer_daily(date(2026, 3, 2), 28, lambda q, d: 3)
    sleep_items = [q.id for day in asked for q in day if q.domain == "sleep"]
    assert len(set(sleep_items[:4])) == 4


def test_same_day_gives_the_same_questions():
    history = [(date(2026, 3, 1), "sleep.quality", "sleep", 4)]
    first = select_questions(BANK, history, date(2026, 3, 2))
    again = select_questions(BANK, history, date(2026, 3, 2))
    assert [q.id for q in first] == [q.id for q in again]
    assert "sleep.quality" not in [q.id for q in first]


def test_follow_up_domains_and_fixed_count():
    history = [(date(2026, 3, 1), "intrusion.images", "intrusion", 4)]
    chosen = select_questions(
        BANK, history, date(2026, 3, 2), domains=["intrusion", "sleep", "support", "nope"]
    )
    assert [q.domain for q in chosen] == ["intrusion", "sleep", "support"]
    assert chosen[0].id != "intrusion.images"
    assert len(select_questions(BANK, [], date(2026, 3, 2), count=1)) == 1
    assert len(select_questions(BANK, [], date(2026, 3, 2), count=9)) == 3


def test_overdue_domains_come_first_after_a_break():
    # Answered everything a month ago, nothing since: three questions, all overdue.
    old = date(2026, 2, 1)
    history = [(old, q.id, q.domain, 3) for q in BANK.questions if q.domain != "focus"]
    history.append((old + timedelta(days=20), "focus.concentrate", "focus", 3))
    chosen = select_questions(BANK, history, date(2026, 3, 2))
    assert len(chosen) == 3
    assert "focus" not in {q.domain for q in chosen}


@settings(max_examples=60, deadline=None)
@given(
    today=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    offsets=st.lists(st.integers(min_value=-10, max_value=12), max_size=20),
)
def test_questions_needed_keeps_every_deadline_reachable(today, offsets):
    deadlines = {f"d{index}": today + timedelta(days=days) for index, days in enumerate(offsets)}
    need = questions_needed(deadlines, today)
    for ahead in range(WINDOW_DAYS + 1):
        due = sum(1 for deadline in deadlines.values() if deadline <= today + timedelta(ahead))
        # Asking ``need`` a day from today on covers every domain due within ``ahead`` days...
        assert need * (ahead + 1) >= due
    # ...and one fewer would leave some deadline unreachable.
    assert need == 0 or any(
        (need - 1) * (ahead + 1)
        < sum(1 for deadline in deadlines.values() if deadline <= today + timedelta(ahead))
        for ahead in range(WINDOW_DAYS + 1)
    )
