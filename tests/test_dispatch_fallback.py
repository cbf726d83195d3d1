"""The dispatcher's fallback: a batch the database refuses is dispatched again in batches of one.

The fault is real and sits at the database edge: a trigger makes the database
refuse to store an answer token for one person's deliveries, so the batch's
decide transaction fails as a whole. Nothing of the dispatcher is replaced.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

import time_machine
from sqlalchemy import text

from scheduler.dispatch import run_tick
from tests.test_dispatch import deliveries
from tests.test_dispatch_batch import MONDAY_9, mixed_morning, one_person_question

SQLITE_REFUSAL = """
CREATE TRIGGER refuse_token BEFORE UPDATE OF answer_token_hash ON deliveries
WHEN NEW.answer_token_hash IS NOT NULL
  AND NEW.user_id = (SELECT id FROM users WHERE email = 'carol@example.com')
BEGIN SELECT RAISE(ABORT, 'answer tokens refused for carol'); END
"""
POSTGRES_REFUSAL = (
    """
CREATE FUNCTION refuse_token() RETURNS trigger AS $$
BEGIN
  IF NEW.answer_token_hash IS NOT NULL
     AND NEW.user_id = (SELECT id FROM users WHERE email = 'carol@example.com') THEN
    RAISE EXCEPTION 'answer tokens refused for carol';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER refuse_token BEFORE UPDATE ON deliveries
FOR EACH ROW EXECUTE FUNCTION refuse_token()
""",
)


def refuse_carols_tokens(engine) -> None:
    """Install the trigger on this engine's database."""
    statements = POSTGRES_REFUSAL if engine.dialect.name == "postgresql" else (SQLITE_REFUSAL,)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def allow_tokens_again(engine) -> None:
    """Remove the trigger (the PostgreSQL database outlives the test)."""
    with engine.begin() as conn:
        conn.execute(
            text("DROP TRIGGER IF EXISTS refuse_token ON deliveries")
            if engine.dialect.name == "postgresql"
            else text("DROP TRIGGER IF EXISTS refuse_token")
        )
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP FUNCTION IF EXISTS refuse_token()"))


def test_a_refused_batch_falls_back_and_every_delivery_gets_one_outcome(
    push_app, push_receiver, caplog
):
    due = mixed_morning(push_app, push_receiver)
    engine = push_app.extensions["tend.engine"]
    now = MONDAY_9 + timedelta(seconds=1)
    refuse_carols_tokens(engine)
    try:
        with time_machine.travel(now, tick=False), caplog.at_level(logging.ERROR, logger="tend"):
            report = run_tick(push_app)
    finally:
        allow_tokens_again(engine)
    everyone = sum(due.values())
    assert report.claimed == everyone
    assert report.one_by_one == everyone
    assert sum(report.outcomes.values()) == everyone
    assert any("one at a time" in record.getMessage() for record in caplog.records)

    rows = deliveries(push_app)
    assert len(rows) == everyone
    carol = {row.user_id for row in rows if row.kind == "checkin"} - {
        row.user_id for row in rows if row.status == "sent"
    }
    assert len(carol) == 1
    outcomes = Counter((row.status, row.reason) for row in rows if row.user_id in carol)
    # Carol's check-in and boundary reminder: refused, closed once as failed.
    assert outcomes == Counter({("failed", "internal_error"): 2})
    others = [row for row in rows if row.user_id not in carol]
    assert {row.status for row in others} == {"sent"}
    assert report.outcomes == {"sent": len(others), "failed": 2}
    # Exactly one push per delivery that was sent, none for Carol.
    delivered = Counter(message.payload["delivery_id"] for message in push_receiver.received)
    assert delivered == Counter({row.id: 1 for row in others})
    # A batch of one chooses the same question as the batch would.
    for row in others:
        if row.kind in ("checkin", "followup"):
            assert row.question_id == one_person_question(push_app, row, now)
