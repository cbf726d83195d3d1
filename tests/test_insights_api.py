"""GET /api/insights on real stored answers: empty, sparse, six weeks, and a token answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from server.checkins.bank import load_bank
from server.checkins.models import CheckIn, CheckInAnswer
from server.deliveries.tokens import issue_token
from server.reminders.models import Delivery

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # a Wednesday
BANK = load_bank()


def value_for_strain(question, strain: float) -> int:
    scale = question.scale
    position = strain / 100
    if question.direction == "higher_is_better":
        position = 1 - position
    return round(scale.min + position * (scale.max - scale.min))


def store_six_weeks(db_session, user_id: int, strain_on_day) -> None:
    """Two or three answers a day for 42 days, rotating through every domain."""
    domains = list(BANK.domains)
    for age in range(41, -1, -1):
        at = NOW - timedelta(days=age, hours=2)
        checkin = CheckIn(user_id=user_id, created_at=at, source="app")
        db_session.add(checkin)
        db_session.flush()
        for slot in range(2 + age % 2):
            domain = domains[(age * 3 + slot) % len(domains)]
            items = BANK.in_domain(domain)
            question = items[age % len(items)]
            db_session.add(
                CheckInAnswer(
                    checkin_id=checkin.id,
                    user_id=user_id,
                    question_id=question.id,
                    domain=domain,
                    value=value_for_strain(question, strain_on_day(age)),
                    answered_at=at,
                )
            )
    db_session.commit()


def insights_for(client, auth, persona) -> dict:
    with time_machine.travel(NOW, tick=False):
        auth.as_user(persona)
        response = client.get("/api/insights")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_no_data(client, auth, alice):
    insights = insights_for(client, auth, alice)
    assert insights["weeks"][-1]["week"] == "2026-W11"
    assert {s["level"] for s in insights["signals"]} <= {"unknown", "none"}
    assert insights["support"] is None


def test_sparse_data(client, auth, alice):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        auth.as_user(alice)
        body = {"answers": [{"question_id": "sleep.quality", "value": 2}]}
        assert client.post("/api/checkins", json=body).status_code == 201
    insights = insights_for(client, auth, alice)
    assert insights["domains"]["sleep"]["weekly"][-1] == {
        "week": "2026-W11",
        "score": 75.0,
        "answers": 1,
    }
    assert insights["domains"]["sleep"]["trend_4w"]["direction"] == "not_enough_data"


def test_six_weeks_of_rising_strain_offers_support(client, auth, db_session, alice, bob):
    store_six_weeks(db_session, alice.id, lambda age: 75 - age * 60 / 41)
    store_six_weeks(db_session, bob.id, lambda age: 15)
    with time_machine.travel(NOW, tick=False):
        auth.as_user(alice)
        client.post("/api/support/people", json={"name": "Sam", "contact": "+44 7700 900123"})
        client.post("/api/support/activities", json={"text": "A walk by the river"})
    insights = insights_for(client, auth, alice)
    assert insights["overall"]["trend_4w"]["direction"] == "rising"
    assert insights["needs_support"] is True
    support = insights["support"]
    assert support["people"][0]["name"] == "Sam"
    assert support["activities"][0]["text"] == "A walk by the river"
    assert any(line["phone"] == "988" for line in support["crisis_lines"])
    auth.logout()
    calm = insights_for(client, auth, bob)
    assert calm["support"] is None
    assert calm["overall"]["trend_12w"]["direction"] == "steady"
    assert {s["id"]: s["level"] for s in calm["signals"]}["cumulative_load"] == "low"


def test_answer_from_a_notification_moves_the_insights(client, auth, db_session, alice):
    delivery = Delivery(
        user_id=alice.id, kind="checkin", due_at=NOW, status="sent", question_id="intrusion.images"
    )
    db_session.add(delivery)
    db_session.flush()
    token = issue_token(delivery, NOW, "test-secret-key")
    db_session.commit()
    before = insights_for(client, auth, alice)["domains"]["intrusion"]["weekly"][-1]
    assert before["answers"] == 0
    client.auto_csrf = False
    with time_machine.travel(NOW, tick=False):
        assert client.post(f"/api/deliveries/{token}/answer", json={"value": 5}).status_code == 200
    client.auto_csrf = True
    after = insights_for(client, auth, alice)["domains"]["intrusion"]["weekly"][-1]
    assert after == {"week": "2026-W11", "score": 100.0, "answers": 1}
    with time_machine.travel(NOW, tick=False):
        listed = client.get("/api/checkins").get_json()["checkins"]
    assert listed[0]["source"] == "notification"


def test_weeks_parameter(client, auth, alice):
    with time_machine.travel(NOW, tick=False):
        auth.as_user(alice)
        assert len(client.get("/api/insights?weeks=26").get_json()["weeks"]) == 26
        assert client.get("/api/insights?weeks=2").status_code == 400
