"""Habit wording: the file is complete, and rotation never repeats a line two days running."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from server.habits.wording import (
    Variant,
    WordingError,
    action_title,
    load_wording,
    parse_wording,
    pick_variant,
    placeholders_in,
)

KINDS = [
    "sleep_wind_down",
    "sleep_check",
    "sleep_nap",
    "break_short",
    "break_long",
    "workday_end",
    "after_hours",
    "weekly_look_back",
    "timeoff_plan",
    "timeoff_plan_nudge",
    "timeoff_plan_strong",
    "timeoff_before",
    "timeoff_after",
]
# Words that blame, count streaks or label the person have no place in a reminder.
UNWELCOME = re.compile(
    r"\b(streak|should have|failed|forgot|lazy|burn[- ]?out|burnt|trauma|disorder|"
    r"symptom|depress\w*|ptsd|you must)\b",
    re.IGNORECASE,
)


def test_every_kind_has_several_short_variants():
    wording = load_wording()
    for kind in KINDS:
        variants = wording.variants(kind)
        assert len(variants) >= 3, kind
        assert len({v.title for v in variants}) == len(variants), f"{kind}: titles repeat"
        for variant in variants:
            assert len(variant.title) <= 45, variant.title
            assert len(variant.body) <= 120, variant.body


def test_no_blame_streaks_or_labels():
    wording = load_wording()
    texts = [v.title + " " + v.body for kind in KINDS for v in wording.variants(kind)]
    texts += list(wording.clock.values()) + list(wording.actions.values())
    offending = [text for text in texts if UNWELCOME.search(text)]
    assert offending == []


def test_placeholders_are_declared_and_filled():
    import json

    from server.habits.wording import WORDING_PATH

    raw = json.loads(WORDING_PATH.read_text())
    values = {
        "bedtime": "22:30",
        "work_end": "17:00",
        "days": 75,
        "start": "2026-07-01",
        "shift_start": "19:00",
    }
    for kind, entry in raw["kinds"].items():
        declared = set(entry["placeholders"])
        for variant in load_wording().variants(kind):
            used = placeholders_in(variant.title) | placeholders_in(variant.body)
            assert used <= declared, (kind, used - declared)
            rendered = variant.render({name: values[name] for name in declared})
            assert "{" not in rendered.title + rendered.body
            assert rendered.title and rendered.body


def test_missing_value_drops_only_its_sentence():
    variant = Variant("Winding down", "Screens away. Bed around {bedtime}.")
    assert variant.render({}).body == "Screens away."
    assert variant.render({"bedtime": "22:30"}).body == "Screens away. Bed around 22:30."


@pytest.mark.parametrize("kind", KINDS)
def test_no_line_two_days_running(kind):
    start = date(2026, 1, 1)
    for reminder_id in (1, 2, 17, 403):
        previous = None
        for offset in range(60):
            chosen = pick_variant(kind, reminder_id, start + timedelta(days=offset))
            assert chosen != previous
            previous = chosen


def test_every_variant_is_used_over_time():
    seen = {pick_variant("break_short", 5, date(2026, 3, 1) + timedelta(days=n)) for n in range(30)}
    assert seen == set(load_wording().variants("break_short"))


def test_breaks_differ_between_consecutive_occurrences_of_a_day():
    day = date(2026, 5, 4)
    lines = [pick_variant("break_short", 9, day, occurrence=n) for n in range(6)]
    assert all(a != b for a, b in zip(lines, lines[1:], strict=False))


def test_rotation_is_deterministic_and_varies_between_reminders():
    day = date(2026, 5, 4)
    assert pick_variant("sleep_check", 3, day) == pick_variant("sleep_check", 3, day)
    picks = {pick_variant("sleep_check", reminder_id, day) for reminder_id in range(1, 20)}
    assert len(picks) > 1


def test_explicit_variants_are_rotated_too():
    variants = [Variant("A", "a"), Variant("B", "b")]
    first = pick_variant("custom", 1, date(2026, 1, 1), variants)
    second = pick_variant("custom", 1, date(2026, 1, 2), variants)
    assert {first, second} == set(variants)


def test_action_titles():
    assert action_title("done") == "Done"
    assert action_title("snooze") == "Snooze 10 min"
    assert action_title("day_done") == "Done for today"


@pytest.mark.parametrize(
    "data, problem",
    [
        ([], "expected an object"),
        ({"kinds": {"x": {"variants": [{"title": "A", "body": "a"}]}}}, "at least two"),
        (
            {"kinds": {"x": {"variants": [{"title": "A", "body": "a"}, {"title": "B"}]}}},
            "variant 2 needs title and body",
        ),
    ],
)
def test_bad_wording_is_named(data, problem):
    with pytest.raises(WordingError, match=problem):
        parse_wording(data)
