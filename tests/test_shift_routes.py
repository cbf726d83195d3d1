"""Shifts through the API: add, check, overlap, change, remove, patterns, roster import, held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 19 October 2026, 09:00 in Berlin: the clocks go back on Sunday the 25th.
NOW = datetime(2026, 10, 19, 7, 0, tzinfo=UTC)
ROTA = Path(__file__).parent / "fixtures" / "rota_autumn.ics"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def parse(text: str) -> datetime:
    """An API time as aware UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


def add(client, start, end, **more):
    return client.post("/api/shifts", json={"start": start, "end": end, **more})


def test_add_list_change_remove(client, auth, alice, frozen):
    auth.as_user(alice)
    res = add(client, "2026-10-20T19:00", "2026-10-21T07:30", label="Nights, ward 7")
    assert res.status_code == 201, res.get_json()
    shift = res.get_json()["shift"]
    assert shift["start"] == "2026-10-20T19:00:00+02:00"
    assert shift["end"] == "2026-10-21T07:30:00+02:00"
    assert shift["kind"] == "work" and shift["pattern_id"] is None

    listed = client.get("/api/shifts?from=2026-10-20&to=2026-10-20").get_json()
    assert [s["id"] for s in listed["shifts"]] == [shift["id"]]
    # Sleep after the night: from an hour after it ends, eight hours by default.
    assert listed["sleep_windows"] == [
        {"start": "2026-10-21T08:30:00+02:00", "end": "2026-10-21T16:30:00+02:00"}
    ]
    assert client.get("/api/shifts?from=2026-10-22&to=2026-10-30").get_json()["shifts"] == []

    res = client.patch(f"/api/shifts/{shift['id']}", json={"kind": "on_call", "label": " "})
    assert res.status_code == 200
    assert res.get_json()["shift"]["kind"] == "on_call"
    assert res.get_json()["shift"]["label"] is None

    assert client.delete(f"/api/shifts/{shift['id']}").status_code == 204
    assert client.get("/api/shifts").get_json()["shifts"] == []
    assert client.delete(f"/api/shifts/{shift['id']}").status_code == 404


def test_bad_shifts_are_refused(client, auth, alice, frozen):
    auth.as_user(alice)
    res = add(client, "2026-10-20T19:00", "2026-10-20T19:00")
    assert res.status_code == 400
    assert res.get_json()["error"]["code"] == "invalid_shift"
    res = add(client, "2026-10-20T07:00", "2026-10-21T07:01")
    assert res.status_code == 400
    assert "24 hours" in res.get_json()["error"]["message"]
    # 24 hours exactly is allowed.
    assert add(client, "2026-10-20T07:00", "2026-10-21T07:00").status_code == 201
    res = add(client, "2026-10-21T06:00", "2026-10-21T12:00")
    assert res.status_code == 409
    assert res.get_json()["error"]["code"] == "shift_overlap"
    # Touching ends do not overlap.
    assert add(client, "2026-10-21T07:00", "2026-10-21T12:00").status_code == 201
    assert add(client, "2026-10-22T07:00+02:00", "2026-10-22T09:00").status_code == 400
    assert add(client, "2026-10-22T07:00", "2026-10-22T09:00", kind="nap").status_code == 400
    assert add(client, "9999-12-31T20:00", "9999-12-31T23:00").status_code == 400
    assert add(client, "0001-01-01T00:10", "0001-01-01T01:00").status_code == 400
    assert client.get("/api/shifts?from=2026-10-22&to=2026-10-01").status_code == 400


def test_someone_elses_shift_is_not_found(client, auth, alice, bob, frozen):
    auth.as_user(alice)
    shift = add(client, "2026-10-20T09:00", "2026-10-20T17:00").get_json()["shift"]
    auth.logout()
    auth.as_user(bob)
    assert client.patch(f"/api/shifts/{shift['id']}", json={"label": "x"}).status_code == 404
    assert client.delete(f"/api/shifts/{shift['id']}").status_code == 404
    assert client.get("/api/shifts?from=2026-10-20&to=2026-10-20").get_json()["shifts"] == []


@pytest.mark.parametrize(
    ("zone", "start", "end", "hours"),
    [
        ("Europe/Berlin", "2026-03-28T22:00", "2026-03-29T07:00", 8),
        ("Europe/Berlin", "2026-10-24T22:00", "2026-10-25T07:00", 10),
        ("America/New_York", "2026-03-07T22:00", "2026-03-08T07:00", 8),
        ("America/New_York", "2026-10-31T22:00", "2026-11-01T07:00", 10),
    ],
)
def test_a_night_across_a_dst_change_has_its_true_length(
    client, auth, alice, frozen, zone, start, end, hours
):
    auth.as_user(alice)
    client.patch("/api/me", json={"timezone": zone})
    shift = add(client, start, end).get_json()["shift"]
    assert parse(shift["end"]) - parse(shift["start"]) == timedelta(hours=hours)


def test_a_missing_start_resolves_as_reminders_do(client, auth, alice, frozen):
    auth.as_user(alice)
    # 02:30 does not exist in Berlin on 29 March 2026: the shift starts at 03:00 CEST.
    shift = add(client, "2026-03-29T02:30", "2026-03-29T10:00").get_json()["shift"]
    assert shift["start"] == "2026-03-29T03:00:00+02:00"
    # 02:30 happens twice on 25 October: the first one (still summer time) counts.
    shift = add(client, "2026-10-25T02:30", "2026-10-25T10:00").get_json()["shift"]
    assert shift["start"] == "2026-10-25T02:30:00+02:00"
    assert parse(shift["end"]) - parse(shift["start"]) == timedelta(hours=8, minutes=30)


def test_pattern_writes_shifts_and_goes_with_its_future(client, auth, alice, frozen):
    auth.as_user(alice)
    night = {"start": "19:00", "end": "07:30", "label": "Night"}
    # Four on, four off, from Thursday 22 October: across the autumn change.
    body = {"start_date": "2026-10-22", "cycle": [night] * 4 + [None] * 4, "weeks": 2}
    res = client.post("/api/shifts/pattern", json=body)
    assert res.status_code == 201, res.get_json()
    created = res.get_json()
    pattern_id = created["pattern"]["id"]
    starts = [s["start"][:10] for s in created["shifts"]]
    assert starts == [
        "2026-10-22",
        "2026-10-23",
        "2026-10-24",
        "2026-10-25",
        "2026-10-30",
        "2026-10-31",
        "2026-11-01",
        "2026-11-02",
    ]
    assert all(s["pattern_id"] == pattern_id for s in created["shifts"])
    lengths = {s["start"][:10]: parse(s["end"]) - parse(s["start"]) for s in created["shifts"]}
    assert lengths["2026-10-24"] == timedelta(hours=13, minutes=30)
    assert lengths["2026-10-25"] == timedelta(hours=12, minutes=30)

    patterns = client.get("/api/shifts/patterns").get_json()["patterns"]
    assert [p["id"] for p in patterns] == [pattern_id]

    with time_machine.travel(datetime(2026, 10, 24, 12, 0, tzinfo=UTC), tick=False):
        assert client.delete(f"/api/shifts/patterns/{pattern_id}").status_code == 204
        left = client.get("/api/shifts?from=2026-10-01&to=2026-11-30").get_json()["shifts"]
        assert client.get("/api/shifts/patterns").get_json()["patterns"] == []
    # The two nights already begun stay, unlinked; the rest go.
    assert [s["start"][:10] for s in left] == ["2026-10-22", "2026-10-23"]
    assert all(s["pattern_id"] is None for s in left)


def test_pattern_rolls_forward_when_read(client, auth, alice, frozen):
    auth.as_user(alice)
    early = {"start": "07:00", "end": "15:00"}
    body = {"start_date": "2026-10-19", "cycle": [early, early, None, None], "weeks": 1}
    created = client.post("/api/shifts/pattern", json=body).get_json()
    assert created["pattern"]["written_until"] == "2026-10-25"
    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        shifts = client.get("/api/shifts?from=2026-11-03&to=2026-11-05").get_json()["shifts"]
        assert [s["start"][:10] for s in shifts] == ["2026-11-04", "2026-11-05"]
        pattern = client.get("/api/shifts/patterns").get_json()["patterns"][0]
        assert pattern["written_until"] == "2026-11-05"


def test_pattern_needs_a_working_day_and_sane_weeks(client, auth, alice, frozen):
    auth.as_user(alice)
    res = client.post("/api/shifts/pattern", json={"start_date": "2026-10-19", "cycle": [None]})
    assert res.status_code == 400
    body = {"start_date": "2026-10-19", "cycle": [{"start": "07:00", "end": "15:00"}], "weeks": 27}
    assert client.post("/api/shifts/pattern", json=body).status_code == 400
    body["weeks"] = 0
    assert client.post("/api/shifts/pattern", json=body).status_code == 400


def post_calendar(client, data: bytes, content_type="text/calendar"):
    return client.post("/api/shifts/import", data=data, content_type=content_type)


def test_roster_import_keeps_local_times_across_the_change(client, auth, bob, frozen):
    # Bob lives in Chicago; the rota's own VTIMEZONE decides the times.
    auth.as_user(bob)
    res = post_calendar(client, ROTA.read_bytes())
    assert res.status_code == 201, res.get_json()
    assert res.get_json() == {"imported": 5, "skipped": 1}
    shifts = client.get("/api/shifts?from=2026-10-20&to=2026-11-02").get_json()["shifts"]
    local = [
        (parse(s["start"]).astimezone(BERLIN), parse(s["end"]).astimezone(BERLIN)) for s in shifts
    ]
    walls = [(a.strftime("%d %H:%M"), b.strftime("%d %H:%M")) for a, b in local]
    assert walls == [
        ("22 19:00", "23 07:30"),
        ("23 19:00", "24 07:30"),
        ("24 19:00", "25 07:30"),
        ("29 06:30", "29 14:45"),
        ("30 17:00", "31 05:00"),
    ]
    # The night the clocks go back lasts an hour longer.
    assert parse(shifts[2]["end"]) - parse(shifts[2]["start"]) == timedelta(hours=13, minutes=30)
    assert [s["kind"] for s in shifts][-1] == "on_call"
    assert shifts[0]["label"] == "Night shift (N) - Ward 7"

    # The rota changes: the same UID replaces its shift rather than adding one.
    changed = ROTA.read_bytes().replace(b"20261029T063000", b"20261029T070000")
    assert post_calendar(client, changed).get_json() == {"imported": 5, "skipped": 1}
    shifts = client.get("/api/shifts?from=2026-10-29&to=2026-10-29").get_json()["shifts"]
    assert len(shifts) == 1
    assert parse(shifts[0]["start"]).astimezone(BERLIN).strftime("%H:%M") == "07:00"


def test_import_takes_calendars_only_and_up_to_one_megabyte(client, auth, alice, frozen):
    auth.as_user(alice)
    assert post_calendar(client, ROTA.read_bytes(), "application/json").status_code == 415
    res = post_calendar(client, b"this is not a calendar")
    assert res.status_code == 400
    assert res.get_json()["error"]["code"] == "invalid_calendar"
    # Larger than the general body limit, smaller than 1 MB: accepted.
    padding = b"X-PADDING:" + b"a" * 70 + b"\r\n"
    text = ROTA.read_bytes().replace(b"X-WR-CALNAME", padding * 2000 + b"X-WR-CALNAME")
    assert 64 * 1024 < len(text) < 1024 * 1024
    assert post_calendar(client, text).status_code == 201
    huge = ROTA.read_bytes().replace(b"X-WR-CALNAME", padding * 14000 + b"X-WR-CALNAME")
    res = post_calendar(client, huge)
    assert res.status_code == 413
    assert res.get_json()["error"]["code"] == "too_large"
    # Other routes keep the general limit.
    res = client.post("/api/shifts", json={"start": "a" * 70_000, "end": "b"})
    assert res.status_code == 413


def test_the_import_body_is_documented_as_a_calendar(client):
    document = client.get("/api/openapi.json").get_json()
    operation = document["paths"]["/api/shifts/import"]["post"]
    assert list(operation["requestBody"]["content"]) == ["text/calendar"]


def test_schedule_mode_is_a_setting(client, auth, alice, frozen):
    auth.as_user(alice)
    assert client.get("/api/me").get_json()["user"]["schedule_mode"] == "weekly"
    res = client.patch("/api/me", json={"schedule_mode": "shifts"})
    assert res.status_code == 200
    assert res.get_json()["user"]["schedule_mode"] == "shifts"
    assert client.patch("/api/me", json={"schedule_mode": "rota"}).status_code == 400


def test_upcoming_says_what_it_holds_back_and_why(client, auth, alice, frozen):
    auth.as_user(alice)
    client.patch("/api/me", json={"schedule_mode": "shifts"})
    add(client, "2026-10-20T19:00", "2026-10-21T07:30")
    applied = client.post("/api/habits/presets/sleep", json={}).get_json()
    wind_down = next(r for r in applied["reminders"] if r["meta"]["habit"] == "wind_down")
    check = next(r for r in applied["reminders"] if r["meta"]["habit"] == "sleep_check")

    answer = client.get(f"/api/reminders/{check['id']}/upcoming?count=3").get_json()
    held = answer["held"]
    # The usual 07:00 sleep check falls in the night shift; the day sleep ends 16:30.
    assert {"at": "2026-10-21T07:00:00+02:00", "reason": "falls during your shift"} in held
    assert "2026-10-21T17:00:00+02:00" in answer["upcoming"]

    answer = client.get(f"/api/reminders/{wind_down['id']}/upcoming?count=3").get_json()
    # Tonight as usual; tomorrow during the shift held; after the night, before the day sleep.
    assert answer["upcoming"][:2] == ["2026-10-19T21:45:00+02:00", "2026-10-21T07:45:00+02:00"]
    assert {"at": "2026-10-20T21:45:00+02:00", "reason": "falls during your shift"} in answer[
        "held"
    ]


def test_the_whole_list_says_what_it_holds_back_in_one_request(client, auth, alice, frozen):
    auth.as_user(alice)
    client.patch("/api/me", json={"schedule_mode": "shifts"})
    add(client, "2026-10-20T19:00", "2026-10-21T07:30")
    applied = client.post("/api/habits/presets/sleep", json={}).get_json()["reminders"]
    client.patch(f"/api/reminders/{applied[-1]['id']}", json={"enabled": False})
    listed = client.get("/api/reminders/held?count=3").get_json()["reminders"]
    # Every reminder that is on, with what its own upcoming answer holds back.
    assert [r["id"] for r in listed] == [r["id"] for r in applied[:-1]]
    for reminder in listed:
        alone = client.get(f"/api/reminders/{reminder['id']}/upcoming?count=3").get_json()
        assert reminder["held"] == alone["held"]
    assert any(reminder["held"] for reminder in listed)
    assert client.get("/api/reminders/held?count=0").status_code == 400


def test_weekly_mode_answers_as_before(client, auth, alice, frozen):
    auth.as_user(alice)
    add(client, "2026-10-20T19:00", "2026-10-21T07:30")
    applied = client.post("/api/habits/presets/sleep", json={}).get_json()
    check = next(r for r in applied["reminders"] if r["meta"]["habit"] == "sleep_check")
    answer = client.get(f"/api/reminders/{check['id']}/upcoming?count=2").get_json()
    assert answer == {
        "upcoming": ["2026-10-20T07:00:00+02:00", "2026-10-21T07:00:00+02:00"],
        "held": [],
    }


def boundary_reminder(client):
    applied = client.post("/api/habits/presets/boundaries", json={}).get_json()
    return next(r for r in applied["reminders"] if r["meta"]["habit"] == "workday_end")


def test_switching_modes_and_adding_shifts_move_the_next_reminder(client, auth, alice, frozen):
    auth.as_user(alice)
    end_of_day = boundary_reminder(client)
    assert end_of_day["next_due_at"] == "2026-10-19T15:00:00Z"  # 17:00 on weekdays
    client.patch("/api/me", json={"schedule_mode": "shifts"})
    [reminder] = [
        r
        for r in client.get("/api/reminders").get_json()["reminders"]
        if r["id"] == end_of_day["id"]
    ]
    assert reminder["next_due_at"] is None  # no shifts yet
    add(client, "2026-10-22T19:00", "2026-10-23T07:30")
    [reminder] = [
        r
        for r in client.get("/api/reminders").get_json()["reminders"]
        if r["id"] == end_of_day["id"]
    ]
    assert parse(reminder["next_due_at"]) == datetime(2026, 10, 23, 5, 30, tzinfo=UTC)
    client.patch("/api/me", json={"schedule_mode": "weekly"})
    [reminder] = [
        r
        for r in client.get("/api/reminders").get_json()["reminders"]
        if r["id"] == end_of_day["id"]
    ]
    assert parse(reminder["next_due_at"]) == datetime(2026, 10, 19, 15, 0, tzinfo=UTC)


def test_a_pattern_keeps_going_even_when_nobody_reads_it(client, auth, alice, frozen):
    auth.as_user(alice)
    client.patch("/api/me", json={"schedule_mode": "shifts"})
    early = {"start": "07:00", "end": "15:00"}
    body = {"start_date": "2026-10-19", "cycle": [early, None], "weeks": 1}
    client.post("/api/shifts/pattern", json=body)
    end_of_day = boundary_reminder(client)
    # Three weeks later, nothing was written past the first week, yet the cycle goes on.
    with time_machine.travel(NOW + timedelta(weeks=3), tick=False):
        answer = client.get(f"/api/reminders/{end_of_day['id']}/upcoming?count=3").get_json()
    # 9 November is an odd day from the start (off); the 10th, 12th and 14th are worked.
    assert answer["upcoming"] == [
        "2026-11-10T15:00:00+01:00",
        "2026-11-12T15:00:00+01:00",
        "2026-11-14T15:00:00+01:00",
    ]
