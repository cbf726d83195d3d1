"""Support people, restoring activities and crisis lines through the API."""

from __future__ import annotations

import json

import pytest

from server import create_app
from server.support.crisis import CrisisLinesError, country_of_zone


def test_people_add_list_delete(client, auth, alice, bob):
    auth.as_user(alice)
    added = client.post(
        "/api/support/people", json={"name": "  Sam ", "contact": "+44 7700 900123", "note": ""}
    )
    assert added.status_code == 201
    person = added.get_json()["person"]
    assert person == {"id": person["id"], "name": "Sam", "contact": "+44 7700 900123", "note": None}
    assert client.get("/api/support/people").get_json()["people"] == [person]
    blank = client.post("/api/support/people", json={"name": "   "})
    assert blank.status_code == 400 and "name" in blank.get_json()["error"]["fields"]
    auth.logout()
    auth.as_user(bob)
    assert client.get("/api/support/people").get_json()["people"] == []
    assert client.delete(f"/api/support/people/{person['id']}").status_code == 404
    auth.logout()
    auth.as_user(alice)
    assert client.delete(f"/api/support/people/{person['id']}").status_code == 204
    assert client.get("/api/support/people").get_json()["people"] == []


def test_activities_add_list_delete(client, auth, alice):
    auth.as_user(alice)
    for text in ("A walk by the river", "Music, loud", "Calling my sister"):
        assert client.post("/api/support/activities", json={"text": text}).status_code == 201
    items = client.get("/api/support/activities").get_json()["activities"]
    assert [item["text"] for item in items] == [
        "A walk by the river",
        "Music, loud",
        "Calling my sister",
    ]
    assert client.delete(f"/api/support/activities/{items[0]['id']}").status_code == 204
    assert len(client.get("/api/support/activities").get_json()["activities"]) == 2
    assert client.post("/api/support/activities", json={"text": ""}).status_code == 400


def test_lists_stay_short(client, auth, alice):
    auth.as_user(alice)
    for number in range(20):
        client.post("/api/support/people", json={"name": f"Person {number}"})
    full = client.post("/api/support/people", json={"name": "One more"})
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "list_full"


def test_support_is_in_export_and_gone_after_delete(client, auth, alice):
    auth.as_user(alice)
    client.post("/api/support/people", json={"name": "Sam"})
    client.post("/api/support/activities", json={"text": "Breath work"})
    export = json.loads(client.get("/api/export").data)
    assert export["support_people"][0]["name"] == "Sam"
    assert export["restoring_activities"][0]["text"] == "Breath work"


def test_default_crisis_lines(client, auth, alice):
    auth.as_user(alice)
    lines = client.get("/api/support/crisis-lines").get_json()["crisis_lines"]
    assert any(line["url"] == "https://findahelpline.com" for line in lines)


def test_crisis_lines_of_the_users_country_come_first(client, auth, alice):
    auth.as_user(alice)
    countries = {}
    for zone in ("Europe/Berlin", "America/Toronto", "Pacific/Auckland"):
        client.patch("/api/me", json={"timezone": zone})
        lines = client.get("/api/support/crisis-lines").get_json()["crisis_lines"]
        countries[zone] = [line["country"] for line in lines]
    assert countries["Europe/Berlin"][0] == "DE"
    assert countries["America/Toronto"][0] == "CA"
    # No line of its own: the ones for anywhere lead, and none is left out.
    assert countries["Pacific/Auckland"][0] is None
    assert sorted(countries["Pacific/Auckland"], key=str) == sorted(
        countries["Europe/Berlin"], key=str
    )


def test_country_of_zone():
    assert country_of_zone("Europe/Berlin") == "DE"
    assert country_of_zone("America/St_Johns") == "CA"
    assert country_of_zone("Etc/UTC") is None
    assert country_of_zone(None) is None


@pytest.fixture
def custom_lines(app_config):
    app_config["TEND_CRISIS_LINES"] = json.dumps(
        [{"name": "Staff support line", "phone": "0800 000 000", "country": "NZ"}]
    )
    return app_config


def test_operator_crisis_lines(custom_lines, client, auth, alice):
    auth.as_user(alice)
    lines = client.get("/api/support/crisis-lines").get_json()["crisis_lines"]
    assert lines == [
        {
            "name": "Staff support line",
            "phone": "0800 000 000",
            "text": None,
            "url": None,
            "country": "NZ",
            "note": None,
        }
    ]
    assert client.get("/api/support/people").status_code == 200
    auth.logout()
    assert client.get("/api/support/people").status_code == 401
    # Crisis lines are for anyone, signed in or not.
    signed_out = client.get("/api/support/crisis-lines").get_json()
    assert signed_out["crisis_lines"] == lines


def test_bad_crisis_lines_stop_the_app_from_starting(app_config):
    app_config["TEND_CRISIS_LINES"] = '[{"name": "No way to reach"}]'
    with pytest.raises(CrisisLinesError, match="entry 1"):
        create_app(app_config)
