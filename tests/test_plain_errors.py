"""Validation errors reach people as short sentences per field, every field at once."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, Field, ValidationError

from server.api import FALLBACK_WORDS, PLAIN_WORDS, plain_words

# Words a validator library uses that a person should never read.
RAW = re.compile(r"Input should|Field required|String should|List should|Value error|type=")


def test_every_field_of_a_request_is_named_at_once_in_plain_words(client, auth, alice):
    auth.as_user(alice)
    res = client.patch(
        "/api/me",
        json={
            "daily_push_budget": 99,
            "timeoff_nudge_days": 2,
            "quiet_hours": {"start": "25:00"},
            "schedule_mode": "sometimes",
            "colour": "green",
        },
    )
    assert res.status_code == 400
    fields = res.get_json()["error"]["fields"]
    assert fields["daily_push_budget"] == "Use 30 or less."
    assert fields["timeoff_nudge_days"] == "Use 7 or more."
    assert fields["schedule_mode"] == "Choose one of the options."
    assert fields["colour"] == "Tend doesn't use this here; please leave it out."
    assert "quiet_hours.start" in fields
    assert not [text for text in fields.values() if RAW.search(text)], fields


def test_reminder_fields_say_what_to_do(client, auth, alice):
    auth.as_user(alice)
    res = client.post(
        "/api/reminders",
        json={
            "kind": "break",
            "title": "x" * 121,
            "schedule": {"type": "interval", "every_minutes": 5},
        },
    )
    fields = res.get_json()["error"]["fields"]
    assert fields == {
        "title": "Keep this to 120 characters or fewer.",
        "schedule.every_minutes": "Use 10 or more.",
    }
    res = client.post("/api/reminders", json={"schedule": {"type": "daily", "days": []}})
    fields = res.get_json()["error"]["fields"]
    assert fields["kind"] == "Please fill this in."
    assert fields["schedule.time"] == "Please fill this in."
    assert fields["schedule.days"] == "Choose at least one day."  # our own validator's words


class Sample(BaseModel):
    """A model that produces many kinds of errors."""

    name: str = Field(min_length=1, max_length=5)
    count: int = Field(ge=1)
    tags: list[str] = Field(min_length=2)
    when: str = Field(pattern=r"^\d\d:\d\d$")


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"name": ""}, "name", "Please fill this in."),
        ({"count": "many"}, "count", "Use a whole number."),
        ({"count": 0}, "count", "Use 1 or more."),
        ({"tags": ["a"]}, "tags", "Choose at least 2."),
        ({"when": "soon"}, "when", "This doesn't look right. Please check it for typos."),
    ],
)
def test_plain_words_of_each_error_kind(data, field, words):
    base = {"name": "ok", "count": 1, "tags": ["a", "b"], "when": "10:00"}
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({**base, **data})
    (error,) = caught.value.errors()
    assert error["loc"] == (field,)
    assert plain_words(error) == words


def test_an_unknown_kind_of_error_still_reads_plainly():
    assert plain_words({"type": "something_new", "msg": "Input should be odd"}) == FALLBACK_WORDS
    assert not [text for text in PLAIN_WORDS.values() if RAW.search(text)]
