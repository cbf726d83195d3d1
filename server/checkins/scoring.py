"""Scoring: answers become strain figures from 0 to 100, by week and over weeks.

Everything here is pure. 0 means no strain at all and 100 the most strain the
scale can express, whatever way a question is worded, so a sleep question
("how well did you sleep?") and an intrusion question ("how much did a case
replay in your mind?") can be read on one axis. Weeks are ISO weeks of the
user's own calendar: callers convert timestamps to local dates first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from statistics import fmean
from typing import NamedTuple

from server.checkins.bank import Question, QuestionBank

# A change of this many points over a trend's span counts as rising or easing.
TREND_THRESHOLD = 10.0
# An answer at or above this strain is a strong one (e.g. 4 of 5 on a worse-is-higher item).
STRONG_STRAIN = 75.0
# "Worsening" for question selection: recent mean this many points above the earlier mean.
WORSENING_RISE = 15.0
RECENT_DAYS = 14
EARLIER_DAYS = 28


class AnswerRecord(NamedTuple):
    """One stored answer, on the user's local calendar."""

    day: date
    question_id: str
    domain: str
    value: int
    moment_id: int | None = None


class ScoredAnswer(NamedTuple):
    """An answer with its strain (0 = none, 100 = most)."""

    day: date
    question_id: str
    domain: str
    strain: float
    moment_id: int | None = None


def strain(question: Question, value: int) -> float:
    """Normalise ``value`` to 0-100 where 100 is the most strain, honouring the direction."""
    scale = question.scale
    position = (value - scale.min) / (scale.max - scale.min)
    if question.direction == "higher_is_better":
        position = 1 - position
    return round(position * 100, 1)


def score_answers(bank: QuestionBank, records: Iterable[AnswerRecord]) -> list[ScoredAnswer]:
    """Score every answer whose question is in ``bank`` and whose value fits its scale.

    Answers to questions an organisation has since removed are left out: without
    the scale there is no honest way to read the number.
    """
    scored = []
    for record in records:
        question = bank.get(record.question_id)
        if question is None or not question.scale.contains(record.value):
            continue
        scored.append(
            ScoredAnswer(
                record.day,
                record.question_id,
                record.domain,
                strain(question, record.value),
                record.moment_id,
            )
        )
    return scored


def iso_week(day: date) -> str:
    """The ISO week of ``day`` as ``"2026-W05"``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def recent_weeks(today: date, count: int) -> list[str]:
    """The ``count`` ISO weeks ending with ``today``'s week, oldest first."""
    monday = week_monday(today)
    return [iso_week(monday - timedelta(weeks=back)) for back in range(count - 1, -1, -1)]


def mean_or_none(values: Sequence[float]) -> float | None:
    """The mean rounded to one decimal, or None for no values."""
    return round(fmean(values), 1) if values else None


def weekly_domain_figures(
    scored: Iterable[ScoredAnswer], weeks: Sequence[str]
) -> dict[str, list[dict]]:
    """Per domain, one ``{week, score, answers}`` per week in ``weeks`` (score None if none)."""
    wanted = set(weeks)
    buckets: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for answer in scored:
        week = iso_week(answer.day)
        if week in wanted:
            buckets[answer.domain][week].append(answer.strain)
    return {
        domain: [
            {"week": week, "score": mean_or_none(by_week[week]), "answers": len(by_week[week])}
            for week in weeks
        ]
        for domain, by_week in buckets.items()
    }


def overall_weekly(domain_figures: dict[str, list[dict]], weeks: Sequence[str]) -> list[dict]:
    """Per week, the mean of the domain scores, so one much-asked domain cannot dominate."""
    out = []
    for index, week in enumerate(weeks):
        scores = [
            figures[index]["score"]
            for figures in domain_figures.values()
            if figures[index]["score"] is not None
        ]
        answers = sum(figures[index]["answers"] for figures in domain_figures.values())
        out.append({"week": week, "score": mean_or_none(scores), "answers": answers})
    return out


def minimum_weeks(span: int) -> int:
    """Weeks with data a trend over ``span`` weeks needs: at least three, and half the span."""
    return max(3, (span + 1) // 2)


def trend(scores: Sequence[float | None]) -> dict:
    """Direction of weekly ``scores`` (oldest first) over their whole span.

    A least-squares line through the weeks that have data; ``change`` is the
    line's rise in points from the first to the last week with data (never
    extrapolated past them). Too few weeks gives
    ``"not_enough_data"`` rather than a guess.
    """
    points = [(index, score) for index, score in enumerate(scores) if score is not None]
    if len(points) < minimum_weeks(len(scores)):
        return {"direction": "not_enough_data", "change": None, "weeks_with_data": len(points)}
    mean_x = fmean(x for x, _ in points)
    mean_y = fmean(y for _, y in points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    change = round(slope * (points[-1][0] - points[0][0]), 1)
    if change >= TREND_THRESHOLD:
        direction = "rising"
    elif change <= -TREND_THRESHOLD:
        direction = "easing"
    else:
        direction = "steady"
    return {"direction": direction, "change": change, "weeks_with_data": len(points)}


def rose_for_two_weeks(weekly_scores: Sequence[float | None]) -> bool:
    """Whether strain went up two weeks running, by at least the trend threshold in all.

    Looks at the last three weeks, or the three before the current week when
    the current one has no answers yet.
    """
    scores = list(weekly_scores)
    if scores and scores[-1] is None:
        scores = scores[:-1]
    last = scores[-3:]
    if len(last) < 3 or any(score is None for score in last):
        return False
    first, middle, latest = last
    return first < middle < latest and latest - first >= TREND_THRESHOLD


def worsening_domains(scored: Iterable[ScoredAnswer], today: date) -> dict[str, float]:
    """Domains getting harder lately, with how much (bigger = more urgent).

    A domain is worsening when its last answer was strong, or when its mean of
    the last two weeks is clearly above the four weeks before.
    """
    recent: dict[str, list[ScoredAnswer]] = defaultdict(list)
    earlier: dict[str, list[float]] = defaultdict(list)
    for answer in scored:
        age = (today - answer.day).days
        if 0 <= age < RECENT_DAYS:
            recent[answer.domain].append(answer)
        elif RECENT_DAYS <= age < RECENT_DAYS + EARLIER_DAYS:
            earlier[answer.domain].append(answer.strain)
    found: dict[str, float] = {}
    for domain, answers in recent.items():
        latest = max(answers, key=lambda answer: answer.day).strain
        rise = fmean(a.strain for a in answers) - fmean(earlier[domain]) if earlier[domain] else 0
        if latest >= STRONG_STRAIN or rise >= WORSENING_RISE:
            found[domain] = max(latest - 50, rise)
    return found
