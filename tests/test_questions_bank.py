"""The question bank: the shipped file is sound, and bad files fail naming the item."""

from __future__ import annotations

import json

import pytest

from server.checkins.bank import DEFAULT_BANK_PATH, BankError, load_bank, parse_bank

REQUIRED_DOMAINS = {
    "enjoyment",
    "support",
    "meaning",
    "dread",
    "vigilance",
    "safety",
    "outlook",
    "sleep",
    "intrusion",
    "numbness",
    "irritability",
    "focus",
    "withdrawal",
    "coping",
}


def small_bank(**question_changes) -> dict:
    """A valid one-question bank, with ``question_changes`` applied to its question."""
    question = {
        "id": "sleep.quality",
        "domain": "sleep",
        "scale": "how_well",
        "direction": "higher_is_better",
        "text": "How well did you sleep last night?",
    }
    question.update(question_changes)
    return {
        "name": "Test bank",
        "domains": {"sleep": {"title": "Sleep"}},
        "scales": {
            "how_well": {
                "min": 1,
                "max": 5,
                "labels": ["Very poorly", "Poorly", "Okay", "Well", "Very well"],
                "quick_answers": [{"value": 2, "title": "Poorly"}, {"value": 4, "title": "Well"}],
            }
        },
        "questions": [question],
    }


def test_shipped_bank_covers_every_domain_with_several_items():
    bank = load_bank(str(DEFAULT_BANK_PATH))
    assert set(bank.domains) == REQUIRED_DOMAINS
    for domain in REQUIRED_DOMAINS:
        assert len(bank.in_domain(domain)) >= 3, domain
    for question in bank.questions:
        assert len(question.text) <= 90
        assert len(question.quick_answers) == 2


def test_named_scale_and_its_quick_answers_are_filled_in():
    bank = parse_bank(small_bank())
    question = bank.get("sleep.quality")
    assert question.scale.labels[0] == "Very poorly"
    assert [a.value for a in question.quick_answers] == [2, 4]
    assert question.public()["scale"] == {
        "min": 1,
        "max": 5,
        "labels": ["Very poorly", "Poorly", "Okay", "Well", "Very well"],
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": "x" * 91}, "question 1 ('sleep.quality'): text"),
        ({"direction": "up"}, "question 1 ('sleep.quality'): direction"),
        ({"domain": "dreams"}, "unknown domain 'dreams'"),
        ({"scale": "stars"}, "question 1 ('sleep.quality'): unknown scale 'stars'"),
        ({"quick_answers": [{"value": 9, "title": "Nine"}]}, "quick answer 9 is outside"),
        ({"id": "Has Spaces"}, "question 1 ('Has Spaces'): id"),
        (
            {"scale": {"min": 1, "max": 3, "labels": ["a", "b"]}, "quick_answers": []},
            "labels must have 3 entries",
        ),
    ],
)
def test_bad_question_is_named(changes, message):
    with pytest.raises(BankError) as caught:
        parse_bank(small_bank(**changes))
    assert message in str(caught.value)


def test_duplicate_ids_and_empty_domains_are_refused():
    data = small_bank()
    data["questions"].append(dict(data["questions"][0]))
    with pytest.raises(BankError, match="used twice"):
        parse_bank(data)
    data = small_bank()
    data["domains"]["focus"] = {"title": "Focus"}
    with pytest.raises(BankError, match="domains without questions: focus"):
        parse_bank(data)


def test_file_path_and_cache(tmp_path):
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(small_bank()))
    first = load_bank(str(path))
    assert [q.id for q in first.questions] == ["sleep.quality"]
    assert load_bank(str(path)) is first
    # Without a path the built-in bank, whatever the environment says.
    assert len(load_bank().questions) > 40


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(BankError, match="cannot be read"):
        load_bank(str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(BankError, match="not valid JSON"):
        load_bank(str(broken))
