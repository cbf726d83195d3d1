"""``GET /api/insights``: the engine's answer for the signed-in user."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint
from flask_login import current_user
from pydantic import Field
from sqlalchemy import select

from server.api import route
from server.api_types import Strict
from server.checkins.models import Moment
from server.checkins.service import answer_history, current_bank
from server.db import db, utcnow
from server.habits.insights import weekly_habit_figures
from server.insights.engine import MomentRecord, build_insights
from server.insights.schemas import InsightsOut
from server.reminders.schedule import local_date
from server.support.service import support_resources

bp = Blueprint("insights", __name__)


class InsightsQuery(Strict):
    """How many ISO weeks to show (12 by default)."""

    weeks: int = Field(default=12, ge=4, le=52)


def moments_since(session, user, since) -> list[MomentRecord]:
    """The user's hard moments since ``since`` on their calendar."""
    rows = session.execute(
        select(Moment).where(Moment.user_id == user.id, Moment.occurred_at >= since)
    ).scalars()
    return [
        MomentRecord(row.id, local_date(row.occurred_at, user.zone), row.kind, row.intensity)
        for row in rows
    ]


@route(bp, "/api/insights", query=InsightsQuery, response=InsightsOut)
def get_insights(query: InsightsQuery):
    """Weekly strain per domain, 4- and 12-week trends, three signals, and support."""
    session = db.session
    user = current_user
    now = utcnow()
    today = local_date(now, user.zone)
    since = now - timedelta(weeks=query.weeks, days=7)
    return build_insights(
        current_bank(),
        answer_history(session, user, since),
        moments_since(session, user, since),
        today,
        weeks=query.weeks,
        support_resources=support_resources(session, user),
        habits=weekly_habit_figures(session, user, query.weeks, now),
    )
