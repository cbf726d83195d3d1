"""Habit programs through the API: list, switch on (with next times), tune, switch off."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

# Tuesday 10 March 2026, 09:00 in Berlin.
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_presets_need_a_sign_in(client):
    response = client.get("/api/habits/presets")
    assert response.status_code == 401


def test_presets_list_four_programs_with_defaults(client, auth, alice, frozen):
    auth.as_user(alice)
    presets = client.get("/api/habits/presets").get_json()["presets"]
    assert [p["id"] for p in presets] == ["sleep", "breaks", "boundaries", "timeoff"]
    assert not any(p["active"] for p in presets)
    sleep = {param["name"]: param for param in presets[0]["parameters"]}
    assert sleep["wake_time"]["default"] == "06:30"
    assert sleep["sleep_hours"]["default"] == 8
    boundaries = {param["name"]: param["default"] for param in presets[2]["parameters"]}
    assert boundaries["look_back_day"] == 4
    assert boundaries["look_back_time"] == "17:30"
    assert [r["schedule"]["time"] for r in presets[0]["preview"]] == ["21:45", "07:00"]
    # A default made by a factory is listed too, and taken back as it is.
    assert sleep["days"]["default"] == [0, 1, 2, 3, 4, 5, 6]
    assert all(p["unavailable"] is None for p in presets)


def test_presets_say_why_boundaries_wait_for_work_days(client, auth, alice, frozen):
    auth.as_user(alice)
    client.patch("/api/me", json={"work_hours": {"days": [], "start": "09:00", "end": "17:00"}})
    response = client.get("/api/habits/presets")
    assert response.status_code == 200
    boundaries = next(p for p in response.get_json()["presets"] if p["id"] == "boundaries")
    assert boundaries["preview"] == [] and "work days" in boundaries["unavailable"]
    assert client.post("/api/habits/presets/boundaries", json={}).status_code == 400
    sleep_days = next(p for p in response.get_json()["presets"] if p["id"] == "sleep")
    days = next(q["default"] for q in sleep_days["parameters"] if q["name"] == "days")
    assert client.post("/api/habits/presets/sleep", json={"days": days}).status_code == 201


def test_onboarding_switches_on_all_four_and_sees_next_times(client, auth, alice, frozen):
    auth.as_user(alice)
    firsts = {}
    for preset in ("sleep", "breaks", "boundaries", "timeoff"):
        response = client.post(f"/api/habits/presets/{preset}", json={})
        assert response.status_code == 201, response.get_json()
        answer = response.get_json()
        assert answer["preset"] == preset
        for reminder in answer["reminders"]:
            assert reminder["preset"] == preset
            assert reminder["next_due_at"] is not None
            firsts[reminder["meta"]["habit"]] = reminder
    assert firsts["wind_down"]["next_due_at"].startswith("2026-03-10T20:45:00")
    assert firsts["sleep_check"]["next_due_at"].startswith("2026-03-11T06:00:00")
    assert firsts["breaks"]["next_due_at"].startswith("2026-03-10T09:30:00")
    assert firsts["workday_end"]["upcoming"][0] == "2026-03-10T17:00:00+01:00"
    assert firsts["after_hours"]["upcoming"][0] == "2026-03-10T18:30:00+01:00"
    assert firsts["weekly_look_back"]["upcoming"][0] == "2026-03-13T17:30:00+01:00"
    assert firsts["plan_time_off"]["upcoming"][0] == "2026-04-06T12:30:00+02:00"
    listed = client.get("/api/reminders").get_json()["reminders"]
    assert len(listed) == 7
    presets = client.get("/api/habits/presets").get_json()["presets"]
    assert all(p["active"] for p in presets)


def test_upcoming_applies_the_policy(client, auth, alice, frozen):
    auth.as_user(alice)
    answer = client.post("/api/habits/presets/breaks", json={"every_minutes": 120}).get_json()
    [reminder] = answer["reminders"]
    # Work 09:00–17:00: breaks at 11:00, 13:00 and 15:00 local.
    assert reminder["upcoming"] == [
        "2026-03-10T11:00:00+01:00",
        "2026-03-10T13:00:00+01:00",
        "2026-03-10T15:00:00+01:00",
    ]


def test_applying_again_replaces_the_programs_reminders(client, auth, alice, frozen):
    auth.as_user(alice)
    client.post("/api/habits/presets/sleep", json={})
    answer = client.post(
        "/api/habits/presets/sleep", json={"wake_time": "05:30", "sleep_check": False}
    ).get_json()
    assert [r["schedule"]["time"] for r in answer["reminders"]] == ["20:45"]
    listed = client.get("/api/reminders").get_json()["reminders"]
    assert [r["schedule"]["time"] for r in listed] == ["20:45"]


def test_notes_explain_moved_times(client, auth, alice, frozen):
    auth.as_user(alice)
    answer = client.post("/api/habits/presets/sleep", json={"wake_time": "05:30"}).get_json()
    assert answer["notes"] == [
        "The sleep check is 60 minutes later than planned, so it comes outside your quiet hours."
    ]


@pytest.mark.parametrize(
    "preset, body, field",
    [
        ("sleep", {"sleep_hours": 5}, "sleep_hours"),
        ("sleep", {"wake_time": "6"}, "wake_time"),
        ("breaks", {"every_minutes": "often"}, "every_minutes"),
        ("breaks", {"long_pause_hours": 1}, "long_pause_hours"),
        ("boundaries", {"surprise": True}, "surprise"),
    ],
)
def test_bad_settings_are_field_errors(client, auth, alice, frozen, preset, body, field):
    auth.as_user(alice)
    response = client.post(f"/api/habits/presets/{preset}", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert client.get("/api/reminders").get_json()["reminders"] == []


def test_unknown_program_is_404(client, auth, alice):
    auth.as_user(alice)
    assert client.post("/api/habits/presets/yoga", json={}).status_code == 404
    assert client.delete("/api/habits/presets/yoga").status_code == 404


def test_switching_off_removes_only_that_program(client, auth, alice, frozen):
    auth.as_user(alice)
    client.post("/api/habits/presets/sleep", json={})
    client.post("/api/habits/presets/breaks", json={})
    assert client.delete("/api/habits/presets/sleep").status_code == 204
    listed = client.get("/api/reminders").get_json()["reminders"]
    assert [r["preset"] for r in listed] == ["breaks"]


def test_programs_are_per_person(client, auth, alice, bob, frozen):
    auth.as_user(alice)
    client.post("/api/habits/presets/breaks", json={})
    auth.logout()
    auth.as_user(bob)
    assert client.get("/api/reminders").get_json()["reminders"] == []
    assert client.delete("/api/habits/presets/breaks").status_code == 204
    auth.logout()
    auth.as_user(alice)
    assert len(client.get("/api/reminders").get_json()["reminders"]) == 1


def test_day_done_from_the_app_is_recorded_once(client, auth, alice, frozen):
    auth.as_user(alice)
    first = client.post("/api/habits/day-done").get_json()
    second = client.post("/api/habits/day-done").get_json()
    assert first == {"local_date": "2026-03-10", "already": False}
    assert second["already"] is True


def test_summary_has_empty_weeks_for_a_new_person(client, auth, alice, frozen):
    auth.as_user(alice)
    weeks = client.get("/api/habits/summary?weeks=2").get_json()["weeks"]
    assert [w["week"] for w in weeks] == ["2026-W10", "2026-W11"]
    assert weeks[1] == {
        "week": "2026-W11",
        "start": "2026-03-09",
        "breaks_offered": 0,
        "breaks_taken": 0,
        "workdays_tracked": 0,
        "days_ran_over": 0,
        "sleep_answers": 0,
        "sleep_strain": None,
    }
    assert client.get("/api/habits/summary?weeks=0").status_code == 400


def test_routes_are_in_openapi(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "/api/habits/presets" in paths
    assert {"post", "delete"} <= set(paths["/api/habits/presets/{preset_id}"])
    assert "/api/habits/summary" in paths


def test_a_note_when_the_daily_limit_keeps_breaks_quiet(client, auth, alice, frozen):
    auth.as_user(alice)
    for preset in ("sleep", "boundaries"):
        assert client.post(f"/api/habits/presets/{preset}", json={}).get_json()["notes"] == []
    answer = client.post("/api/habits/presets/breaks", json={}).get_json()
    assert answer["notes"] == [
        "With your limit of 6 notifications a day, some of these will "
        "stay quiet. You can raise the limit in Settings."
    ]
    client.patch("/api/me", json={"daily_push_budget": 12})
    assert client.post("/api/habits/presets/breaks", json={}).get_json()["notes"] == []
