"""Answers match the models OpenAPI documents for them, on a user with data everywhere.

Every GET route under /api that takes no path argument is called and its JSON
validated against the route's own response model, so the document cannot
drift from what the API actually says. Insights are checked with support and
habit figures present, the richest answer.
"""

from __future__ import annotations

import time_machine

from server.api import ROUTES
from tests.test_insights_api import NOW, insights_for, store_six_weeks
from tests.test_robustness_isolation import fill_alices_account

UNDOCUMENTED_BY_DESIGN = {"/api/openapi.json", "/api/export"}  # free-form documents


def documented_gets(app) -> dict[str, type]:
    """``rule -> response model`` of every GET /api route without path arguments."""
    found = {}
    for rule in app.url_map.iter_rules():
        if (
            rule.rule.startswith("/api")
            and "GET" in (rule.methods or ())
            and not rule.arguments
            and rule.rule not in UNDOCUMENTED_BY_DESIGN
        ):
            doc = ROUTES[rule.endpoint]
            assert doc.response is not None, f"{rule.rule} has no response model"
            found[rule.rule] = doc.response
    return found


def test_every_get_answer_matches_its_documented_model(app, client, auth, alice):
    with time_machine.travel(NOW, tick=False):
        auth.as_user(alice)
        ids = fill_alices_account(client)
        routes = documented_gets(app)
        assert len(routes) > 15
        for path, model in routes.items():
            response = client.get(path)
            assert response.status_code == 200, (path, response.get_json())
            model.model_validate(response.get_json())
        reminder = f"/api/reminders/{ids['reminder_id']}/upcoming"
        ROUTES["reminders.upcoming"].response.model_validate(client.get(reminder).get_json())


def test_insights_with_support_and_habits_match_the_model(client, auth, db_session, alice):
    store_six_weeks(db_session, alice.id, lambda age: 75 - age * 60 / 41)
    with time_machine.travel(NOW, tick=False):
        auth.as_user(alice)
        client.post("/api/support/people", json={"name": "Sam", "contact": "+44 7700 900123"})
        client.post("/api/support/activities", json={"text": "A walk by the river"})
        client.post("/api/habits/presets/breaks", json={})
    insights = insights_for(client, auth, alice)
    assert insights["support"] is not None and insights["habits"] is not None
    model = ROUTES["insights.get_insights"].response
    parsed = model.model_validate(insights)
    assert parsed.support.people[0].name == "Sam"
    assert len(parsed.signals) == 3
