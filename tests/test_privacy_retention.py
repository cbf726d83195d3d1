"""What the operator promises: the privacy notice at sign-up, and retention that deletes old
entries every day (a pure cutoff, the deletion on a real database, the scheduler job)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select
from sqlmodel import Session

from scheduler.runner import add_dispatch_job
from server import create_app
from server.accounts.models import User
from server.checkins.models import CheckIn, CheckInAnswer, Moment
from server.config import ConfigError, load_settings
from server.exercises.models import Exercise
from server.privacy.retention import retention_cutoff, run_retention
from server.reflections.models import Reflection

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def test_cutoff_is_that_many_days_back_and_off_at_zero():
    assert retention_cutoff(NOW, 90) == NOW - timedelta(days=90)
    assert retention_cutoff(NOW, 0) is None


def test_bad_settings_stop_start_up(tmp_path):
    with pytest.raises(ConfigError, match="TEND_RETENTION_DAYS"):
        load_settings({"TEND_RETENTION_DAYS": "-3"})
    with pytest.raises(ConfigError, match="TEND_PRIVACY_NOTICE"):
        load_settings({"TEND_PRIVACY_NOTICE": str(tmp_path / "missing.txt")})
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(ConfigError, match="TEND_PRIVACY_NOTICE"):
        load_settings({"TEND_PRIVACY_NOTICE": str(empty)})


def test_notice_is_public(app_config, tmp_path):
    notice = tmp_path / "notice.txt"
    notice.write_text("We keep your answers on our own server in Leipzig.\n", encoding="utf-8")
    app = create_app(
        {
            **app_config,
            "TEND_PRIVACY_NOTICE": load_settings({"TEND_PRIVACY_NOTICE": str(notice)})[
                "TEND_PRIVACY_NOTICE"
            ],
            "TEND_RETENTION_DAYS": 90,
        }
    )
    answer = app.test_client().get("/api/privacy-notice").get_json()
    assert answer == {
        "notice": "We keep your answers on our own server in Leipzig.",
        "retention_days": 90,
    }
    app.extensions["tend.engine"].dispose()


def test_no_notice_by_default(client):
    assert client.get("/api/privacy-notice").get_json() == {"notice": None, "retention_days": None}


def fill(engine, user_id: int, at: datetime) -> None:
    """One of each entry, created at ``at``."""
    with Session(engine) as session:
        checkin = CheckIn(user_id=user_id, note="old note", created_at=at)
        session.add(checkin)
        session.flush()
        session.add(
            CheckInAnswer(
                user_id=user_id,
                checkin_id=checkin.id,
                question_id="sleep.quality",
                domain="sleep",
                value=3,
                answered_at=at,
            )
        )
        moment = Moment(user_id=user_id, kind="other", intensity=3, note="x", created_at=at)
        session.add(moment)
        session.add(Exercise(user_id=user_id, exercise="breathe", created_at=at))
        session.add(Reflection(user_id=user_id, created_at=at))
        session.commit()


def counts(engine) -> dict[str, int]:
    """Rows per table."""
    with Session(engine) as session:
        return {
            model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar()
            for model in (CheckIn, CheckInAnswer, Moment, Exercise, Reflection)
        }


def test_retention_deletes_only_what_is_older(app):
    engine = app.extensions["tend.engine"]
    with Session(engine, expire_on_commit=False) as session:
        user = User(email="old@example.com", password_hash="x")
        session.add(user)
        session.commit()
    fill(engine, user.id, NOW - timedelta(days=91))
    fill(engine, user.id, NOW - timedelta(days=89))
    deleted = run_retention(engine, 90, now=NOW)
    assert deleted["checkins"] == 1 and deleted["moments"] == 1
    assert counts(engine) == {name: 1 for name in counts(engine)}
    with Session(engine) as session:
        assert session.get(User, user.id) is not None
    assert run_retention(engine, 0, now=NOW) == {}


def test_scheduler_runs_retention_only_when_set(app_config):
    for days, expected in ((0, set()), (30, {"tend-retention"})):
        app = create_app({**app_config, "TEND_RETENTION_DAYS": days})
        scheduler = BackgroundScheduler()
        add_dispatch_job(scheduler, app)
        assert {job.id for job in scheduler.get_jobs()} - {"tend-dispatch"} == expected
        app.extensions["tend.engine"].dispose()
