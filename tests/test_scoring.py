"""Scoring as tables: answers in, figures out."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from server.checkins.bank import load_bank
from server.checkins.scoring import (
    AnswerRecord,
    iso_week,
    overall_weekly,
    recent_weeks,
    rose_for_two_weeks,
    score_answers,
    strain,
    trend,
    weekly_domain_figures,
    worsening_domains,
)
from server.reminders.schedule import local_date

BANK = load_bank()


@pytest.mark.parametrize(
    ("question_id", "value", "expected"),
    [
        ("sleep.quality", 5, 0.0),  # slept very well: no strain
        ("sleep.quality", 1, 100.0),
        ("sleep.quality", 4, 25.0),
        ("intrusion.images", 1, 0.0),  # worse-is-higher item
        ("intrusion.images", 4, 75.0),
        ("intrusion.images", 3, 50.0),
        ("intrusion.leave_at_work", 2, 75.0),  # same domain, other direction
    ],
)
def test_strain_is_direction_aware(question_id, value, expected):
    assert strain(BANK.get(question_id), value) == expected


def test_unknown_questions_and_values_off_the_scale_are_left_out():
    records = [
        AnswerRecord(date(2026, 1, 5), "sleep.quality", "sleep", 5),
        AnswerRecord(date(2026, 1, 5), "retired.item", "sleep", 3),
        AnswerRecord(date(2026, 1, 5), "sleep.quality", "sleep", 9),
    ]
    assert [a.strain for a in score_answers(BANK, records)] == [0.0]


def test_local_day_and_iso_week_use_the_users_calendar():
    # Sunday 23:30 in Chicago is already Monday in UTC: the week is the user's.
    moment = datetime(2026, 1, 5, 5, 30, tzinfo=UTC)
    day = local_date(moment, ZoneInfo("America/Chicago"))
    assert day == date(2026, 1, 4)
    assert iso_week(day) == "2026-W01"
    assert iso_week(local_date(moment, ZoneInfo("Europe/Berlin"))) == "2026-W02"
    assert iso_week(date(2025, 12, 29)) == "2026-W01"
    assert recent_weeks(date(2026, 1, 7), 3) == ["2025-W52", "2026-W01", "2026-W02"]


def test_weekly_domain_figures_table():
    weeks = ["2026-W02", "2026-W03"]
    records = [
        AnswerRecord(date(2026, 1, 5), "sleep.quality", "sleep", 5),  # W02: 0
        AnswerRecord(date(2026, 1, 7), "sleep.quality", "sleep", 3),  # W02: 50
        AnswerRecord(date(2026, 1, 12), "sleep.quality", "sleep", 1),  # W03: 100
        AnswerRecord(date(2026, 1, 12), "intrusion.images", "intrusion", 2),  # W03: 25
        AnswerRecord(date(2025, 12, 1), "sleep.quality", "sleep", 1),  # outside
    ]
    figures = weekly_domain_figures(score_answers(BANK, records), weeks)
    assert figures["sleep"] == [
        {"week": "2026-W02", "score": 25.0, "answers": 2},
        {"week": "2026-W03", "score": 100.0, "answers": 1},
    ]
    assert figures["intrusion"][0] == {"week": "2026-W02", "score": None, "answers": 0}
    overall = overall_weekly(figures, weeks)
    assert overall == [
        {"week": "2026-W02", "score": 25.0, "answers": 2},
        {"week": "2026-W03", "score": 62.5, "answers": 2},
    ]


@pytest.mark.parametrize(
    ("scores", "direction", "change"),
    [
        ([20, 30, 40, 50], "rising", 30.0),
        ([50, 40, 30, 20], "easing", -30.0),
        ([40, 42, 38, 41], "steady", -0.3),
        ([40, None, 45, 50], "steady", 9.6),
        ([10, None, None, 60], "not_enough_data", None),
        ([None, None, None, None], "not_enough_data", None),
        ([30] * 6 + [None] * 6, "steady", 0.0),
        ([30, None] * 5 + [60, 65], "rising", 33.2),
        ([30] * 5 + [None] * 7, "not_enough_data", None),
        ([None] * 5 + [20, 30, 40, 50, 60, 70, 80], "rising", 60.0),  # not extrapolated
    ],
)
def test_trend_table(scores, direction, change):
    result = trend(scores)
    assert result["direction"] == direction
    assert result["change"] == change


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([30, 40, 50], True),
        ([20, 30, 40, None], True),  # the current week has no answers yet
        ([30, 35, 38], False),  # rising, but less than ten points in all
        ([30, 50, 45], False),
        ([None, 40, 60], False),
        ([50, 60], False),
    ],
)
def test_rose_for_two_weeks_table(scores, expected):
    assert rose_for_two_weeks(scores) is expected


def test_worsening_domains():
    today = date(2026, 3, 1)
    records = [
        # sleep: earlier fine (0), lately poor (75): a clear rise
        *(AnswerRecord(date(2026, 2, d), "sleep.quality", "sleep", 5) for d in (1, 3, 5)),
        *(AnswerRecord(date(2026, 2, d), "sleep.quality", "sleep", 2) for d in (20, 25)),
        # focus: always middling, no rise and no strong answer
        *(AnswerRecord(date(2026, 2, d), "focus.concentrate", "focus", 3) for d in (2, 24)),
        # intrusion: one strong answer lately
        AnswerRecord(date(2026, 2, 27), "intrusion.images", "intrusion", 5),
    ]
    found = worsening_domains(score_answers(BANK, records), today)
    # sleep rose by 75 points; intrusion's last answer is 50 points above the middle
    assert found == {"sleep": 75.0, "intrusion": 50.0}
