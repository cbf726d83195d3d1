"""Help now on the server: crisis lines without signing in, country, exercises, moments."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from server import create_app
from server.checkins.models import CheckIn, Moment
from server.exercises.models import Exercise
from server.reminders.models import Reminder
from server.support.crisis import CrisisLinesError


def countries_first(answer: dict) -> list[str | None]:
    return [line["country"] for line in answer["crisis_lines"]]


def test_crisis_lines_answer_signed_out_with_the_given_country_first(client):
    answer = client.get("/api/support/crisis-lines?country=de")
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["country"] == "DE"
    assert countries_first(data)[0] == "DE"
    assert len(data["crisis_lines"]) == 7  # nothing left out, only ordered
    assert {"code": "DE", "name": "Germany"} in data["countries"]
    assert data["resources"] == []


def test_crisis_lines_signed_out_follow_a_given_time_zone(client):
    data = client.get("/api/support/crisis-lines?timezone=Australia/Sydney").get_json()
    assert data["country"] == "AU" and countries_first(data)[0] == "AU"
    unknown = client.get("/api/support/crisis-lines").get_json()
    assert unknown["country"] is None and countries_first(unknown)[0] is None


@pytest.mark.parametrize("garbage", ["XX", "D", "DEU", "1A", "<b>", "%00"])
def test_crisis_lines_refuse_a_country_that_is_not_one(client, garbage):
    answer = client.get(f"/api/support/crisis-lines?country={garbage}")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "validation_error"


def test_country_defaults_to_the_time_zone_and_can_be_chosen(client, auth, alice):
    auth.as_user(alice)  # Europe/Berlin
    assert client.get("/api/me").get_json()["user"]["country"] == "DE"
    assert countries_first(client.get("/api/support/crisis-lines").get_json())[0] == "DE"
    chosen = client.patch("/api/me", json={"country": "ie"})
    assert chosen.status_code == 200 and chosen.get_json()["user"]["country"] == "IE"
    data = client.get("/api/support/crisis-lines").get_json()
    assert data["country"] == "IE" and countries_first(data)[0] == "IE"
    # A given country still wins over the user's own.
    assert client.get("/api/support/crisis-lines?country=AU").get_json()["country"] == "AU"
    # Moving time zone does not move a chosen country; null goes back to the zone's.
    client.patch("/api/me", json={"timezone": "America/Toronto"})
    assert client.get("/api/me").get_json()["user"]["country"] == "IE"
    client.patch("/api/me", json={"country": None})
    assert client.get("/api/me").get_json()["user"]["country"] == "CA"
    bad = client.patch("/api/me", json={"country": "ZZ"})
    assert bad.status_code == 400 and "country" in bad.get_json()["error"]["fields"]


def test_insights_support_lists_the_users_country_first(client, auth, alice):
    auth.as_user(alice)
    client.patch("/api/me", json={"country": "GB"})
    from server.support.service import support_resources

    with client.application.app_context():
        from server.accounts.models import User
        from server.db import db

        user = db.session.get(User, alice.id)
        lines = support_resources(db.session, user)["crisis_lines"]
    assert lines[0]["country"] == "GB"


@pytest.fixture
def with_resources(app_config):
    app_config["TEND_SUPPORT_RESOURCES"] = json.dumps(
        [
            {"name": "Staff wellbeing service", "phone": "0800 123 456", "note": "Weekdays 8-8"},
            {"name": "Peer supporters", "url": "https://intranet.example.org/peers"},
        ]
    )
    return app_config


def test_operator_resources_come_with_the_lines(with_resources, client):
    data = client.get("/api/support/crisis-lines?country=GB").get_json()
    assert [item["name"] for item in data["resources"]] == [
        "Staff wellbeing service",
        "Peer supporters",
    ]


def test_bad_support_resources_stop_the_app_from_starting(app_config):
    app_config["TEND_SUPPORT_RESOURCES"] = '[{"name": "Nobody", "url": "javascript:alert(1)"}]'
    with pytest.raises(CrisisLinesError, match="TEND_SUPPORT_RESOURCES: entry 1"):
        create_app(app_config)


def test_exercise_is_stored_once_per_client_id(client, auth, alice, db_session):
    auth.as_user(alice)
    body = {"exercise": "breathe", "feeling_after": "better", "client_id": "c0ffee-0001"}
    first = client.post("/api/exercises", json=body)
    assert first.status_code == 201
    again = client.post("/api/exercises", json=body)
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    plain = client.post("/api/exercises", json={"exercise": "ground"})
    assert plain.status_code == 201 and plain.get_json()["exercise"]["feeling_after"] is None
    rows = db_session.execute(select(Exercise).where(Exercise.user_id == alice.id)).scalars()
    assert sorted(row.exercise for row in rows) == ["breathe", "ground"]


def test_same_client_id_from_two_people_is_two_rows(client, auth, alice, bob, db_session):
    for persona in (alice, bob):
        auth.as_user(persona)
        answer = client.post(
            "/api/exercises", json={"exercise": "kindness", "client_id": "shared-id-1"}
        )
        assert answer.status_code == 201
        auth.logout()
    assert len(db_session.execute(select(Exercise)).scalars().all()) == 2


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"exercise": "yoga"},
        {"exercise": "breathe", "feeling_after": "great"},
        {"exercise": "breathe", "client_id": "short"},
        {"exercise": "breathe", "client_id": "has spaces in it"},
        {"exercise": "breathe", "extra": 1},
    ],
)
def test_exercise_refuses_what_it_does_not_know(client, auth, alice, body):
    auth.as_user(alice)
    answer = client.post("/api/exercises", json=body)
    assert answer.status_code == 400


def test_exercises_need_sign_in_and_csrf(client, auth, alice):
    assert client.post("/api/exercises", json={"exercise": "breathe"}).status_code == 401
    auth.as_user(alice)
    bare = client.application.test_client()
    assert bare.post("/api/exercises", json={"exercise": "breathe"}).status_code in (401, 403)


def test_exercises_are_exported_and_deleted_with_the_account(client, auth, alice, db_session):
    auth.as_user(alice)
    client.post("/api/exercises", json={"exercise": "transition", "feeling_after": "same"})
    export = json.loads(client.get("/api/export").data)
    assert [(row["exercise"], row["feeling_after"]) for row in export["exercises"]] == [
        ("transition", "same")
    ]
    assert client.delete("/api/me", json={"password": alice.password}).status_code == 204
    assert db_session.execute(select(Exercise)).scalars().all() == []


def log_moment(client, **extra) -> dict:
    body = {"kind": "critical_incident", "intensity": 4, **extra}
    answer = client.post("/api/moments", json=body)
    assert answer.status_code == 201
    return answer.get_json()["moment"]


def test_moments_list_newest_first_and_edit(client, auth, alice):
    with time_machine.travel("2026-03-02 10:00Z", tick=False) as clock:
        auth.as_user(alice)
        older = log_moment(client, note="first")
        clock.shift(timedelta(days=2))
        newer = log_moment(client)
        listed = client.get("/api/moments").get_json()["moments"]
        assert [item["id"] for item in listed] == [newer["id"], older["id"]]
        edited = client.patch(f"/api/moments/{older['id']}", json={"note": "  a long shift  "})
        assert edited.status_code == 200
        assert edited.get_json()["moment"]["note"] == "a long shift"
        assert edited.get_json()["moment"]["intensity"] == 4
        lighter = client.patch(f"/api/moments/{older['id']}", json={"intensity": 2})
        assert lighter.get_json()["moment"] | {"followups": []} == {
            **edited.get_json()["moment"],
            "intensity": 2,
        }
        cleared = client.patch(f"/api/moments/{older['id']}", json={"note": ""})
        assert cleared.get_json()["moment"]["note"] is None
        for bad in ({"intensity": 6}, {"intensity": 0}, {"note": "x" * 1001}, {"kind": "other"}):
            assert client.patch(f"/api/moments/{older['id']}", json=bad).status_code == 400


def test_moments_of_someone_else_are_not_found(client, auth, alice, bob):
    auth.as_user(alice)
    moment = log_moment(client)
    auth.logout()
    auth.as_user(bob)
    assert client.get("/api/moments").get_json()["moments"] == []
    assert client.patch(f"/api/moments/{moment['id']}", json={"note": "x"}).status_code == 404
    assert client.delete(f"/api/moments/{moment['id']}").status_code == 404
    assert client.delete("/api/moments/99999999999").status_code == 404
    auth.logout()
    assert client.delete(f"/api/moments/{moment['id']}").status_code == 401


def test_deleting_a_moment_drops_its_coming_followups(client, auth, alice, db_session):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        auth.as_user(alice)
        moment = log_moment(client)
        other = log_moment(client)
        checkin = client.post(
            "/api/checkins",
            json={
                "answers": [{"question_id": "sleep.quality", "value": 3}],
                "moment_id": moment["id"],
            },
        )
        assert checkin.status_code == 201
        assert client.delete(f"/api/moments/{moment['id']}").status_code == 204
        assert [item["id"] for item in client.get("/api/moments").get_json()["moments"]] == [
            other["id"]
        ]
        followups = db_session.execute(
            select(Reminder).where(Reminder.user_id == alice.id, Reminder.kind == "followup")
        ).scalars()
        assert {row.meta["moment_id"] for row in followups} == {other["id"]}
        kept = db_session.execute(select(CheckIn).where(CheckIn.user_id == alice.id)).scalar_one()
        assert kept.moment_id is None
        assert db_session.get(Moment, moment["id"]) is None


def test_past_followups_stay_when_a_moment_is_deleted(client, auth, alice, db_session):
    with time_machine.travel("2026-03-02 09:00Z", tick=False) as clock:
        auth.as_user(alice)
        moment = log_moment(client)
        clock.shift(timedelta(days=10))
        assert client.delete(f"/api/moments/{moment['id']}").status_code == 204
        followups = db_session.execute(
            select(Reminder).where(Reminder.user_id == alice.id, Reminder.kind == "followup")
        ).scalars()
        assert all(row.meta["moment_id"] == moment["id"] for row in followups)
