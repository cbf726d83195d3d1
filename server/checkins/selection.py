"""Which 1-3 questions a micro check-in asks today. Pure: history in, questions out.

Rules, for a person who answers every day:

- every domain is asked at least once in every 7-day window. Each domain has
  a deadline (seven days after it was last asked; day 7 of the history for a
  domain never asked) and the most pressing deadlines go first. The number of
  questions is the smallest that keeps every deadline reachable at three
  questions a day, and at least domains / 7 — about two for the built-in bank;
- a domain that has been getting harder lately may take an extra, third place;
- no question of the previous check-in is asked again, and within a domain
  the question asked longest ago comes next, so the wording varies.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from server.checkins.bank import Question, QuestionBank
from server.checkins.scoring import AnswerRecord, score_answers, worsening_domains

MAX_QUESTIONS = 3
WINDOW_DAYS = 7


def as_records(history: Iterable[Sequence]) -> list[AnswerRecord]:
    """Accept ``(date, question_id, domain, value)`` tuples or AnswerRecords."""
    return [item if isinstance(item, AnswerRecord) else AnswerRecord(*item) for item in history]


def domain_deadlines(
    domains: Iterable[str], records: Sequence[AnswerRecord], today: date
) -> dict[str, date]:
    """The last day each domain may be asked on without leaving a 7-day window uncovered."""
    last_asked: dict[str, date] = {}
    for record in records:
        if record.day > last_asked.get(record.domain, date.min):
            last_asked[record.domain] = record.day
    first_day = min((record.day for record in records), default=today)
    never_asked = first_day + timedelta(days=WINDOW_DAYS - 1)
    window = timedelta(days=WINDOW_DAYS)
    return {
        domain: last_asked[domain] + window if domain in last_asked else never_asked
        for domain in domains
    }


def questions_needed(deadlines: dict[str, date], today: date) -> int:
    """Fewest questions today so the domains due within k days fit into k+1 days of asking."""
    # Sorted days until each deadline: how many fall within k days is one bisection.
    days_left = sorted((deadline - today).days for deadline in deadlines.values())
    need = 0
    for ahead in range(WINDOW_DAYS + 1):
        due = bisect_right(days_left, ahead)
        need = max(need, math.ceil(due / (ahead + 1)))
    return need


def previous_checkin_ids(records: Sequence[AnswerRecord]) -> set[str]:
    """Question ids of the most recent day with answers."""
    if not records:
        return set()
    latest = max(record.day for record in records)
    return {record.question_id for record in records if record.day == latest}


def pick_question(
    candidates: Sequence[Question],
    last_asked: dict[str, date],
    avoid: set[str],
    rng: random.Random,
) -> Question:
    """The question of a domain asked longest ago (never asked first), avoiding ``avoid``."""
    allowed = [question for question in candidates if question.id not in avoid] or list(candidates)
    rng.shuffle(allowed)
    return min(allowed, key=lambda question: last_asked.get(question.id, date.min))


def question_last_asked(records: Sequence[AnswerRecord]) -> dict[str, date]:
    """The last day each question was answered."""
    last: dict[str, date] = {}
    for record in records:
        if record.day > last.get(record.question_id, date.min):
            last[record.question_id] = record.day
    return last


def rotation_domains(
    bank: QuestionBank,
    records: Sequence[AnswerRecord],
    today: date,
    count: int | None,
    rng: random.Random,
) -> list[str]:
    """The domains of today's check-in in order of urgency."""
    deadlines = domain_deadlines(bank.domains, records, today)
    worsening = worsening_domains(score_answers(bank, records), today)
    tiebreak = {domain: rng.random() for domain in deadlines}
    order = sorted(
        deadlines,
        key=lambda domain: (deadlines[domain], -worsening.get(domain, 0.0), tiebreak[domain]),
    )
    if count is not None:
        return order[: min(MAX_QUESTIONS, max(1, count))]
    base = math.ceil(len(order) / WINDOW_DAYS)
    size = min(MAX_QUESTIONS, max(1, base, questions_needed(deadlines, today)))
    chosen = order[:size]
    extra = [domain for domain in order[size:] if domain in worsening]
    if extra and size < MAX_QUESTIONS:
        chosen.append(max(extra, key=lambda domain: worsening[domain]))
    return chosen


def select_questions(
    bank: QuestionBank,
    history: Iterable[Sequence],
    today: date,
    *,
    count: int | None = None,
    rng: random.Random | None = None,
    domains: Sequence[str] | None = None,
) -> list[Question]:
    """Choose today's 1-3 questions from ``bank`` given the answer ``history``.

    ``history`` holds ``(date, question_id, domain, value)`` records on the
    user's calendar. ``count`` fixes the number of questions (otherwise the
    rotation decides); ``domains`` restricts the check-in to those domains in
    that order, as a follow-up after a hard moment does. ``rng`` only breaks
    ties; by default it is seeded with the day, so asking twice gives the same
    answer.
    """
    records = as_records(history)
    rng = rng or random.Random(today.toordinal())
    if domains is not None:
        known = [domain for domain in dict.fromkeys(domains) if bank.in_domain(domain)]
        chosen = known[: min(MAX_QUESTIONS, count or len(known))]
    else:
        chosen = rotation_domains(bank, records, today, count, rng)
    last_asked = question_last_asked(records)
    avoid = previous_checkin_ids(records)
    return [pick_question(bank.in_domain(domain), last_asked, avoid, rng) for domain in chosen]
