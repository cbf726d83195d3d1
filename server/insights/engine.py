"""The insights engine: weekly figures, trends and three plain-word signals. Pure.

Input is the user's answers and hard moments on their own calendar; output is
the JSON-ready answer of ``GET /api/insights``::

    {
      "today": "2026-02-11",
      "weeks": [{"week": "2025-W47", "starts": "2025-11-17"}, ...],     # oldest first
      "overall": {"weekly": [{week, score, answers}], "trend_4w": T, "trend_12w": T},
      "domains": {"sleep": {"title": "Sleep", "weekly": [...],
                            "trend_4w": T, "trend_12w": T}, ...},
      "signals": [{"id", "level", "title", "text"}, ...],             # always three
      "enough_data": false,
      "waiting": "A trend needs a few weeks…" or null,                # said once
      "needs_support": false,
      "support": null or {"reasons": [...], "message": ..., "people": [...],
                          "activities": [...], "crisis_lines": [...], "resources": [...]},
      "habits": null or what the habits feature reports,
    }

``reasons`` say why support is offered: ``strain_rising`` (two weeks up in a
row), ``strong_intrusion`` (a follow-up after a hard moment), ``high_strain`` or
``some_strain`` (a signal at ``high`` or ``moderate``): any worrying reading
comes with support. Nothing is read into a handful of answers: until there are
``MIN_ANSWERS`` answers over ``MIN_WEEKS`` distinct weeks, every signal is
``unknown`` (or ``none``), there is no support block, and ``waiting`` says
why, once. A trend ``T`` is ``{"direction":
"rising"|"steady"|"easing"|"not_enough_data", "change": points or null,
"weeks_with_data": n}``, and scores are 0-100, higher meaning more strain.
Signal levels are ``"unknown"`` (not enough answers), ``"none"`` (nothing to
look at), ``"low"``, ``"moderate"`` or ``"high"``. The words describe what
the answers show; they never name a disorder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from statistics import fmean
from typing import Any, NamedTuple

from server.checkins.bank import QuestionBank
from server.checkins.scoring import (
    STRONG_STRAIN,
    AnswerRecord,
    ScoredAnswer,
    iso_week,
    overall_weekly,
    recent_weeks,
    rose_for_two_weeks,
    score_answers,
    trend,
    week_monday,
    weekly_domain_figures,
)

FOLLOWUP_DOMAINS = ("intrusion", "sleep", "support")
BURNOUT_DOMAINS = ("enjoyment", "meaning", "support", "coping")
FOLLOWUP_DAYS = 7
RECENT_MOMENT_DAYS = 28
HIGH_STRAIN = 65.0
MODERATE_STRAIN = 45.0
STEEP_RISE = 20.0
# One hard day is not a pattern: the burnout reading waits for a few answers.
MIN_BURNOUT_ANSWERS = 3
# Signals and support wait for this much data, so a bad first week raises no alarm.
MIN_ANSWERS = 8
MIN_WEEKS = 2
WAITING = (
    "A trend needs a few weeks of check-ins. After about eight answers over two weeks, "
    "this page will say how things are moving."
)


class MomentRecord(NamedTuple):
    """A hard moment the user logged, on their calendar."""

    id: int
    day: date
    kind: str
    intensity: int


def signal(signal_id: str, level: str, title: str, text: str) -> dict[str, str]:
    """One signal as the API shows it."""
    return {"id": signal_id, "level": level, "title": title, "text": text}


def recent_mean(weekly: Sequence[dict], weeks: int = 4) -> float | None:
    """Mean of the last ``weeks`` weekly scores that have data."""
    scores = [item["score"] for item in weekly[-weeks:] if item["score"] is not None]
    return round(fmean(scores), 1) if scores else None


def trends(weekly: Sequence[dict]) -> dict[str, dict]:
    """The 4- and 12-week trends of a weekly series."""
    scores = [item["score"] for item in weekly]
    return {"trend_4w": trend(scores[-4:]), "trend_12w": trend(scores[-12:])}


def cumulative_load_signal(overall: dict) -> dict[str, str]:
    """How strain across all domains has moved over the weeks."""
    title = "Load over the weeks"
    level_now = recent_mean(overall["weekly"])
    long, short = overall["trend_12w"], overall["trend_4w"]
    if level_now is None or (
        long["direction"] == "not_enough_data" and short["direction"] == "not_enough_data"
    ):
        return signal(
            "cumulative_load",
            "unknown",
            title,
            "After a few weeks of check-ins, this will show how your load changes over time.",
        )
    rising = "rising" in (long["direction"], short["direction"])
    if level_now >= HIGH_STRAIN or (long["direction"] == "rising" and long["change"] >= STEEP_RISE):
        return signal(
            "cumulative_load",
            "high",
            title,
            "Strain in your answers has been building over the past weeks. It may be a good "
            "time to lighten the load where you can and lean on people you trust.",
        )
    if rising or level_now >= MODERATE_STRAIN:
        return signal(
            "cumulative_load",
            "moderate",
            title,
            "Strain in your answers is a little higher than it was. Worth keeping an eye on, "
            "and worth a kind break.",
        )
    easing = "easing" in (long["direction"], short["direction"])
    text = (
        "Strain in your answers has eased over the past weeks."
        if easing
        else "Your answers over the weeks look fairly steady."
    )
    return signal("cumulative_load", "low", title, text)


def followup_answers(
    scored: Sequence[ScoredAnswer], moments: Sequence[MomentRecord]
) -> list[ScoredAnswer]:
    """Answers that follow one of ``moments``: linked to it, or in the week after it."""
    ids = {moment.id for moment in moments}
    found = []
    for answer in scored:
        linked = answer.moment_id in ids
        soon_after = answer.domain in FOLLOWUP_DOMAINS and any(
            0 <= (answer.day - moment.day).days <= FOLLOWUP_DAYS for moment in moments
        )
        if linked or soon_after:
            found.append(answer)
    return found


def strong_intrusion(followups: Iterable[ScoredAnswer]) -> bool:
    """Whether a follow-up answer shows memories of the event pushing in strongly."""
    return any(a.domain == "intrusion" and a.strain >= STRONG_STRAIN for a in followups)


def after_moments_signal(
    moments: Sequence[MomentRecord], followups: Sequence[ScoredAnswer]
) -> dict[str, str]:
    """How the user is settling after recent hard moments."""
    title = "After hard moments"
    if not moments:
        return signal(
            "after_hard_moments",
            "none",
            title,
            "No hard moments logged in the last four weeks. If one happens, logging it brings "
            "a gentle check-in that evening and a few days later.",
        )
    if not followups:
        return signal(
            "after_hard_moments",
            "unknown",
            title,
            "You logged a hard moment recently. The follow-up check-ins will show how you "
            "are settling.",
        )
    if strong_intrusion(followups):
        return signal(
            "after_hard_moments",
            "high",
            title,
            "Since your recent hard moment, it keeps coming back to you. That is a common "
            "response to something heavy, and talking it through with someone often helps.",
        )
    if fmean(answer.strain for answer in followups) >= 50:
        return signal(
            "after_hard_moments",
            "moderate",
            title,
            "The days after your recent hard moment have been heavy. Go gently, and let "
            "someone in.",
        )
    return signal(
        "after_hard_moments",
        "low",
        title,
        "Your check-ins since the recent hard moment suggest you are settling.",
    )


def burnout_signal(domains: dict[str, dict]) -> dict[str, str]:
    """Enjoyment, meaning, support and energy for work, read together."""
    title = "Wearing thin"
    present = [domains[name] for name in BURNOUT_DOMAINS if name in domains]
    levels = [recent_mean(item["weekly"]) for item in present]
    levels = [level for level in levels if level is not None]
    answered = sum(week["answers"] for item in present for week in item["weekly"][-4:])
    if not levels or answered < MIN_BURNOUT_ANSWERS:
        return signal(
            "burnout",
            "unknown",
            title,
            "Check-ins about enjoyment, meaning, support and energy will fill this in.",
        )
    rising = sum(
        1
        for item in present
        if "rising" in (item["trend_4w"]["direction"], item["trend_12w"]["direction"])
    )
    level_now = fmean(levels)
    if level_now >= HIGH_STRAIN or rising >= 2:
        return signal(
            "burnout",
            "high",
            title,
            "Enjoyment, meaning, support or energy for work have been running low lately. "
            "Rest, support and firmer boundaries tend to help here.",
        )
    if level_now >= MODERATE_STRAIN or rising == 1:
        return signal(
            "burnout",
            "moderate",
            title,
            "Enjoyment, meaning, support or energy for work have dipped a little recently.",
        )
    return signal(
        "burnout",
        "low",
        title,
        "Enjoyment, meaning, support and energy for work look steady.",
    )


def enough_data(scored: Iterable[ScoredAnswer], week_keys: Sequence[str]) -> bool:
    """Whether there are ``MIN_ANSWERS`` answers over ``MIN_WEEKS`` distinct weeks shown."""
    shown = set(week_keys)
    weeks = [week for week in (iso_week(answer.day) for answer in scored) if week in shown]
    return len(weeks) >= MIN_ANSWERS and len(set(weeks)) >= MIN_WEEKS


def held_back(item: dict[str, str]) -> dict[str, str]:
    """A signal before there is enough data: unknown, saying only that it waits
    (``none``, nothing to look at, stays as it is)."""
    if item["level"] == "none":
        return item
    return signal(item["id"], "unknown", item["title"], "Not enough answers yet.")


def support_block(reasons: list[str], resources: dict[str, Any] | None) -> dict[str, Any]:
    """What to offer when support would help: the user's own people, activities and lines."""
    resources = resources or {}
    people = list(resources.get("people", []))
    activities = list(resources.get("activities", []))
    return {
        "reasons": reasons,
        "message": support_message(bool(people), bool(activities)),
        "people": people,
        "activities": activities,
        "crisis_lines": list(resources.get("crisis_lines", [])),
        "resources": list(resources.get("resources", [])),
    }


def support_message(has_people: bool, has_activities: bool) -> str:
    """The support block's opening line, naming only what the user has listed."""
    if has_people and has_activities:
        listed = "Here are the people and things you said help you"
    elif has_people:
        listed = "Here are the people you said you can turn to"
    elif has_activities:
        listed = "Here are the things you said help you"
    else:
        return (
            "It might help to reach out to someone you trust. These lines are there "
            "any time, and you can add your own people and what restores you below."
        )
    return f"It might help to reach out. {listed}, and lines you can call any time."


def support_reasons(
    overall_series: Sequence[dict], followups: Sequence[ScoredAnswer], signals: Sequence[dict]
) -> list[str]:
    """Why support is offered (empty when nothing worrying shows)."""
    reasons = []
    if rose_for_two_weeks([item["score"] for item in overall_series]):
        reasons.append("strain_rising")
    if strong_intrusion(followups):
        reasons.append("strong_intrusion")
    if not reasons and any(item["level"] == "high" for item in signals):
        # Whatever shows a worrying reading also offers support.
        reasons.append("high_strain")
    elif not reasons and any(item["level"] == "moderate" for item in signals):
        reasons.append("some_strain")
    return reasons


def build_insights(
    bank: QuestionBank,
    answers: Iterable[AnswerRecord],
    moments: Iterable[MomentRecord],
    today: date,
    *,
    weeks: int = 12,
    support_resources: dict[str, Any] | None = None,
    habits: Any = None,
) -> dict[str, Any]:
    """The insights answer for one user (see the module docstring for its shape)."""
    week_keys = recent_weeks(today, weeks)
    scored = score_answers(bank, answers)
    figures = weekly_domain_figures(scored, week_keys)
    empty = [{"week": week, "score": None, "answers": 0} for week in week_keys]
    domains = {
        name: {
            "title": bank.domain_title(name),
            "higher_is_better": bank.domain_reads_up(name),
            "weekly": figures.get(name, empty),
        }
        for name in bank.domains
    }
    for item in domains.values():
        item.update(trends(item["weekly"]))
    overall_series = overall_weekly(figures, week_keys) if figures else empty
    overall = {"weekly": overall_series, **trends(overall_series)}

    recent = [moment for moment in moments if 0 <= (today - moment.day).days <= RECENT_MOMENT_DAYS]
    followups = followup_answers(scored, recent)
    signals = [
        cumulative_load_signal(overall),
        after_moments_signal(recent, followups),
        burnout_signal(domains),
    ]
    enough = enough_data(scored, week_keys)
    if not enough:
        signals = [held_back(item) for item in signals]
    reasons = support_reasons(overall_series, followups, signals) if enough else []
    monday = week_monday(today)
    return {
        "today": today.isoformat(),
        "weeks": [
            {"week": week, "starts": (monday - timedelta(weeks=weeks - 1 - index)).isoformat()}
            for index, week in enumerate(week_keys)
        ],
        "overall": overall,
        "domains": domains,
        "signals": signals,
        "enough_data": enough,
        "waiting": None if enough else WAITING,
        "needs_support": bool(reasons),
        "support": support_block(reasons, support_resources) if reasons else None,
        "habits": habits,
    }
