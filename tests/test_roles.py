"""Words that fit the job: every placeholder filled for every role, in API answers and pushes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from server import create_app
from server.accounts.models import User
from server.accounts.roles import NEUTRAL, PLACEHOLDERS, ROLE_WORDS, ROLES, fill
from server.checkins.bank import BankError, load_bank, parse_bank
from server.checkins.notify import checkin_content
from server.learn.cards import load_cards
from server.reflections.questions import QUESTIONS
from server.reminders.models import Delivery, Reminder
from tests.conftest import ApiClient

NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
ALL_ROLES = [None, *ROLES]


def test_every_role_has_every_word():
    assert set(ROLE_WORDS) == set(ROLES)
    for role, words in ROLE_WORDS.items():
        assert set(words) == set(PLACEHOLDERS), role
        assert all(word.strip() for word in words.values()), role
    assert ROLE_WORDS["other"] == NEUTRAL


def test_fill_keeps_capitals_and_leaves_unknown_names():
    assert (
        fill("{Person} first; then the {encounter}.", "dispatcher")
        == "Caller first; then the call."
    )
    assert fill("the {people}", None) == "the people you help"
    assert fill("the {people}", "other") == "the people you help"
    assert fill("the {people}", "astronaut") == "the people you help"
    assert fill("{unknown} stays", "nurse") == "{unknown} stays"


def every_text():
    """Every text a person reads that may hold placeholders: questions, look back, cards."""
    bank = load_bank()
    cards = load_cards()
    texts = [q.text for q in bank.questions] + [q.text for q in QUESTIONS]
    for card in cards.cards:
        texts += [card.title, card.summary, *card.body]
    return texts


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_placeholder_is_filled_for_every_role(role):
    texts = every_text()
    assert sum("{" in text for text in texts) >= 10  # the placeholders are really used
    for text in texts:
        filled = fill(text, role)
        assert "{" not in filled and "}" not in filled, (role, filled)


def test_no_client_in_a_paramedics_questions():
    bank = load_bank().worded("paramedic")
    texts = [q.text for q in bank.questions] + [q.public("paramedic")["text"] for q in QUESTIONS]
    assert not [text for text in texts if "client" in text.lower()]
    assert any("call" in text for text in texts)
    therapist = [q.text for q in load_bank().worded("therapist").questions]
    assert any("session" in text for text in therapist)


def test_a_bank_with_an_unknown_placeholder_or_too_long_for_a_role_is_refused():
    base = {
        "name": "x",
        "domains": {"d": {"title": "D"}},
        "scales": {
            "s": {
                "min": 1,
                "max": 2,
                "labels": ["a", "b"],
                "quick_answers": [{"value": 1, "title": "a"}],
            }
        },
    }
    typo = {
        **base,
        "questions": [
            {
                "id": "d.a",
                "domain": "d",
                "scale": "s",
                "direction": "higher_is_worse",
                "text": "Your next {encountr}?",
            }
        ],
    }
    with pytest.raises(BankError, match=r"question 1 \('d.a'\).*unknown placeholder \{encountr\}"):
        parse_bank(typo)
    long_text = "How much did you think about " + "x" * 40 + " {person}?"
    assert len(long_text) <= 90
    too_long = {
        **base,
        "questions": [
            {
                "id": "d.a",
                "domain": "d",
                "scale": "s",
                "direction": "higher_is_worse",
                "text": long_text,
            }
        ],
    }
    with pytest.raises(BankError, match="characters for the role police, at most 90"):
        parse_bank(too_long)


def test_a_custom_bank_may_use_placeholders(app_config, tmp_path):
    bank = {
        "name": "Own bank",
        "domains": {"d": {"title": "D"}},
        "questions": [
            {
                "id": "d.next",
                "domain": "d",
                "direction": "higher_is_worse",
                "text": "{Encounters} today felt heavy?",
                "scale": {"min": 1, "max": 2, "labels": ["No", "Yes"]},
                "quick_answers": [{"value": 1, "title": "No"}],
            }
        ],
    }
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(bank))
    application = create_app({**app_config, "TEND_QUESTION_BANK": str(path)})
    try:
        application.test_client_class = ApiClient
        client = application.test_client()
        body = {"email": "dana@example.com", "password": "a long passphrase 42", "timezone": "UTC"}
        assert client.post("/api/auth/register", json=body).status_code == 201
        assert client.patch("/api/me", json={"role": "journalist"}).status_code == 200
        texts = [q["text"] for q in client.get("/api/checkins/questions").get_json()["questions"]]
        assert texts == ["Stories today felt heavy?"]
    finally:
        application.extensions["tend.engine"].dispose()


def test_role_is_a_setting_and_fills_the_api_answers(client, auth, alice):
    auth.as_user(alice)
    assert client.get("/api/me").get_json()["user"]["role"] is None
    neutral = client.get("/api/checkins/questions").get_json()["questions"]
    assert any("people you help" in q["text"] for q in neutral)
    response = client.patch("/api/me", json={"role": "paramedic"})
    assert response.status_code == 200
    assert response.get_json()["user"]["role"] == "paramedic"
    questions = client.get("/api/checkins/questions").get_json()["questions"]
    assert not [q for q in questions if "{" in q["text"] or "client" in q["text"]]
    assert "How much did you dread your next call?" in [q["text"] for q in questions]
    for q in client.get("/api/checkins/next").get_json()["questions"]:
        assert "{" not in q["text"]
    look_back = client.get("/api/reflections/questions").get_json()["questions"]
    assert any("for patients" in q["text"] for q in look_back)
    bad = client.patch("/api/me", json={"role": "astronaut"})
    assert bad.status_code == 400
    assert "role" in bad.get_json()["error"]["fields"]
    cleared = client.patch("/api/me", json={"role": None})
    assert cleared.get_json()["user"]["role"] is None


def test_the_notification_is_worded_for_the_users_role(app, db_session, alice):
    user = db_session.get(User, alice.id)
    user.role = "paramedic"
    reminder = Reminder(
        user_id=alice.id,
        kind="followup",
        title="How are you doing now?",
        schedule={"type": "once", "at": NOW.isoformat()},
        meta={"domains": ["dread"]},
    )
    db_session.add_all([user, reminder])
    db_session.flush()
    filled = []
    for day in range(14):  # the rotation moves through the domain's questions day by day
        now = NOW + timedelta(days=day)
        delivery = Delivery(reminder_id=reminder.id, user_id=alice.id, kind="followup", due_at=now)
        db_session.add(delivery)
        db_session.flush()
        with app.app_context():
            content = checkin_content(db_session, user, reminder, delivery, now)
        raw = load_bank().get(delivery.question_id).text
        assert content.body == fill(raw, "paramedic")
        assert content.extra["question"]["text"] == content.body
        assert "{" not in content.body and "client" not in content.body
        if "{" in raw:
            filled.append(content.body)
    assert filled, "no question with a placeholder came up"
    db_session.commit()
    stored = db_session.execute(select(User.role).where(User.id == alice.id)).scalar_one()
    assert stored == "paramedic"
