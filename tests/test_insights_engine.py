"""The insights engine: no data, sparse data, long rising history, hard moments."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from server.checkins.bank import load_bank
from server.checkins.scoring import AnswerRecord
from server.insights.engine import MomentRecord, build_insights

BANK = load_bank()
TODAY = date(2026, 3, 11)  # a Wednesday


def value_for_strain(question, target: float) -> int:
    """The scale value whose strain is closest to ``target``."""
    scale = question.scale
    position = target / 100
    if question.direction == "higher_is_better":
        position = 1 - position
    return round(scale.min + position * (scale.max - scale.min))


def generated_answers(days: int, strain_on_day, domains=None) -> list[AnswerRecord]:
    """Answers to every domain's first item each day, at the strain ``strain_on_day(age)``."""
    records = []
    for age in range(days - 1, -1, -1):
        day = TODAY - timedelta(days=age)
        for domain in domains or BANK.domains:
            question = BANK.in_domain(domain)[age % len(BANK.in_domain(domain))]
            value = value_for_strain(question, strain_on_day(age))
            records.append(AnswerRecord(day, question.id, domain, value))
    return records


def calm_weeks_before() -> list[AnswerRecord]:
    """Eight calm answers about enjoyment, three and four weeks ago: enough data to read."""
    question = BANK.in_domain("enjoyment")[0]
    return [
        AnswerRecord(TODAY - timedelta(days=days), question.id, "enjoyment", 4)
        for days in (21, 22, 23, 24, 28, 29, 30, 31)
    ]


def levels(insights) -> dict[str, str]:
    return {item["id"]: item["level"] for item in insights["signals"]}


def test_no_data():
    insights = build_insights(BANK, [], [], TODAY)
    assert len(insights["weeks"]) == 12
    assert insights["weeks"][-1] == {"week": "2026-W11", "starts": "2026-03-09"}
    assert set(insights["domains"]) == set(BANK.domains)
    sleep = insights["domains"]["sleep"]
    assert sleep["title"] == "Sleep"
    assert all(week["score"] is None for week in sleep["weekly"])
    assert sleep["trend_4w"]["direction"] == "not_enough_data"
    assert levels(insights) == {
        "cumulative_load": "unknown",
        "after_hard_moments": "none",
        "burnout": "unknown",
    }
    assert insights["needs_support"] is False and insights["support"] is None
    json.dumps(insights)  # JSON-ready


def test_sparse_data_gives_figures_but_no_trends():
    records = [
        AnswerRecord(TODAY, "sleep.quality", "sleep", 2),
        AnswerRecord(TODAY - timedelta(days=8), "enjoyment.parts", "enjoyment", 4),
    ]
    insights = build_insights(BANK, records, [], TODAY)
    sleep = insights["domains"]["sleep"]["weekly"]
    assert sleep[-1] == {"week": "2026-W11", "score": 75.0, "answers": 1}
    assert insights["overall"]["trend_12w"]["direction"] == "not_enough_data"
    assert levels(insights)["cumulative_load"] == "unknown"
    assert levels(insights)["burnout"] == "unknown"


def test_one_strained_answer_is_not_a_pattern():
    records = [AnswerRecord(TODAY, "enjoyment.parts", "enjoyment", 1)]
    insights = build_insights(BANK, records, [], TODAY)
    assert levels(insights)["burnout"] == "unknown"
    assert insights["support"] is None


def test_a_high_reading_always_comes_with_support():
    records = [
        AnswerRecord(TODAY - timedelta(days=day), "enjoyment.parts", "enjoyment", 1)
        for day in range(8)
    ]
    resources = {"people": [{"id": 1, "name": "Sam"}], "activities": [], "crisis_lines": []}
    insights = build_insights(BANK, records, [], TODAY, support_resources=resources)
    assert levels(insights)["burnout"] == "high"
    assert insights["needs_support"] is True
    assert insights["support"]["reasons"] == ["high_strain"]
    assert insights["support"]["people"] == [{"id": 1, "name": "Sam"}]


def test_six_weeks_of_rising_strain():
    # Strain climbs from about 15 six weeks ago to about 70 now.
    records = generated_answers(42, lambda age: 70 - age * 55 / 41)
    insights = build_insights(BANK, records, [], TODAY)
    overall = insights["overall"]
    assert overall["trend_4w"]["direction"] == "rising"
    assert overall["trend_12w"]["direction"] == "rising"
    assert levels(insights)["cumulative_load"] == "high"
    assert levels(insights)["burnout"] == "high"
    assert insights["needs_support"] is True
    assert insights["support"]["reasons"] == ["strain_rising"]


def test_steady_calm_history():
    records = generated_answers(84, lambda age: 20)
    insights = build_insights(BANK, records, [], TODAY)
    assert insights["overall"]["trend_12w"]["direction"] == "steady"
    assert levels(insights) == {
        "cumulative_load": "low",
        "after_hard_moments": "none",
        "burnout": "low",
    }
    assert insights["support"] is None


def test_strong_intrusion_after_a_hard_moment_offers_support():
    moment = MomentRecord(7, TODAY - timedelta(days=2), "critical_incident", 4)
    records = [
        *calm_weeks_before(),
        AnswerRecord(TODAY - timedelta(days=2), "intrusion.images", "intrusion", 5, moment.id),
        AnswerRecord(TODAY - timedelta(days=2), "sleep.quality", "sleep", 2, moment.id),
    ]
    resources = {
        "people": [{"id": 1, "name": "Sam"}],
        "activities": [{"id": 2, "text": "A walk by the river"}],
        "crisis_lines": [{"name": "Line", "phone": "123"}],
    }
    insights = build_insights(BANK, records, [moment], TODAY, support_resources=resources)
    assert levels(insights)["after_hard_moments"] == "high"
    assert insights["support"]["reasons"] == ["strong_intrusion"]
    assert insights["support"]["people"] == [{"id": 1, "name": "Sam"}]
    assert insights["support"]["crisis_lines"] == [{"name": "Line", "phone": "123"}]


def test_settling_after_a_hard_moment():
    moment = MomentRecord(3, TODAY - timedelta(days=5), "distressing_disclosure", 3)
    records = [
        *calm_weeks_before(),
        AnswerRecord(TODAY - timedelta(days=5), "intrusion.images", "intrusion", 2),
        AnswerRecord(TODAY - timedelta(days=2), "support.colleagues", "support", 4),
    ]
    assert levels(build_insights(BANK, records, [moment], TODAY))["after_hard_moments"] == "low"
    calm = calm_weeks_before()
    assert levels(build_insights(BANK, calm, [moment], TODAY))["after_hard_moments"] == "unknown"
    old = MomentRecord(1, TODAY - timedelta(days=60), "other", 2)
    assert levels(build_insights(BANK, calm, [old], TODAY))["after_hard_moments"] == "none"


def test_signal_words_never_name_a_disorder():
    samples = [
        build_insights(BANK, generated_answers(42, lambda age: 70 - age), [], TODAY),
        build_insights(BANK, generated_answers(84, lambda age: 20), [], TODAY),
    ]
    banned = ("ptsd", "disorder", "depress", "burnout", "trauma", "diagnos", "symptom")
    for insights in samples:
        for item in insights["signals"]:
            words = (item["title"] + " " + item["text"]).lower()
            assert not any(term in words for term in banned), item


def test_habits_are_passed_through():
    habits = {"weekly": [{"week": "2026-W11", "done": 3}]}
    assert build_insights(BANK, [], [], TODAY, habits=habits)["habits"] == habits


def test_a_moderate_reading_also_offers_support():
    # Six steady weeks at a middling strain: nothing high, nothing rising.
    records = generated_answers(42, lambda age: 52)
    insights = build_insights(BANK, records, [], TODAY)
    found = levels(insights)
    assert found["cumulative_load"] == "moderate" and "high" not in found.values(), found
    assert insights["needs_support"] is True
    assert insights["support"]["reasons"] == ["some_strain"]


@pytest.mark.parametrize(
    ("people", "activities", "expected"),
    [
        (
            [{"id": 1, "name": "Sam"}],
            [{"id": 2, "text": "A walk"}],
            "the people and things you said help you",
        ),
        ([{"id": 1, "name": "Sam"}], [], "the people you said you can turn to"),
        ([], [{"id": 2, "text": "A walk"}], "the things you said help you"),
        ([], [], "you can add your own people and what restores you"),
    ],
)
def test_support_message_names_only_what_was_listed(people, activities, expected):
    records = [
        AnswerRecord(TODAY - timedelta(days=day), "enjoyment.parts", "enjoyment", 1)
        for day in range(8)
    ]
    resources = {"people": people, "activities": activities, "crisis_lines": []}
    insights = build_insights(BANK, records, [], TODAY, support_resources=resources)
    assert expected in insights["support"]["message"]


def strained_answers(days_ago: list[int]) -> list[AnswerRecord]:
    """One very strained enjoyment answer on each of the given days before TODAY."""
    return [
        AnswerRecord(TODAY - timedelta(days=days), "enjoyment.parts", "enjoyment", 1)
        for days in days_ago
    ]


def test_seven_strained_answers_raise_nothing_and_say_why_once():
    insights = build_insights(BANK, strained_answers([0, 1, 2, 7, 8, 9, 10]), [], TODAY)
    assert insights["enough_data"] is False
    assert set(levels(insights).values()) == {"unknown", "none"}
    assert insights["needs_support"] is False and insights["support"] is None
    assert "a few weeks" in insights["waiting"]
    assert all("a few weeks" not in item["text"] for item in insights["signals"])


def test_eight_answers_in_one_week_are_still_not_a_trend():
    # TODAY is a Wednesday: days 0-2 are this week, so eight answers there is one week.
    same_week = [AnswerRecord(TODAY, "enjoyment.parts", "enjoyment", 1)] * 8
    insights = build_insights(BANK, same_week, [], TODAY)
    assert insights["enough_data"] is False and insights["support"] is None


def test_eight_answers_over_two_weeks_show_signals_and_one_support_block():
    lines = [{"name": "Samaritans", "country": "GB"}, {"name": "988", "country": "US"}]
    resources = {"people": [], "activities": [], "crisis_lines": lines, "resources": []}
    records = strained_answers([0, 1, 2, 7, 8, 9, 10, 11])
    insights = build_insights(BANK, records, [], TODAY, support_resources=resources)
    assert insights["enough_data"] is True and insights["waiting"] is None
    assert levels(insights)["burnout"] == "high"
    assert insights["support"]["crisis_lines"] == lines  # the order the caller chose
