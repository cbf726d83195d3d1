"""Learn cards: readable in their minutes, open to everyone, an operator's file checked at start."""

from __future__ import annotations

import json
import math

import pytest

from server import create_app
from server.accounts.roles import ROLES, fill
from server.learn.cards import (
    WORDS_PER_MINUTE,
    CardsError,
    load_cards,
    parse_cards,
    word_count,
)
from server.reflections.questions import QUESTIONS

TOPICS_NEEDED = {
    "vicarious-trauma",
    "secondary-traumatic-stress",
    "compassion-fatigue",
    "burnout",
    "early-signs",
    "stress-in-body",
    "recovery",
    "protecting-yourself",
    "sleep",
    "boundaries",
    "asking-for-support",
    "finding-a-therapist",
}


def test_at_least_ten_cards_covering_every_topic():
    cards = load_cards().cards
    assert len(cards) >= 10
    assert TOPICS_NEEDED <= {card.id for card in cards}


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_card_is_readable_within_its_minutes(role):
    for card in load_cards().cards:
        words = word_count(fill(card.full_text(), role))
        assert card.minutes <= 3
        assert math.ceil(words / WORDS_PER_MINUTE) <= card.minutes, (card.id, words)
        assert words >= 100, card.id  # a card says something


def test_the_look_back_links_to_cards_that_exist():
    ids = {card.id for card in load_cards().cards}
    for question in QUESTIONS:
        assert question.learn and set(question.learn) <= ids, question.id


def card_file(**card):
    base = {
        "id": "a",
        "title": "A",
        "summary": "S",
        "minutes": 1,
        "body": ["Some words."],
    }
    return {"cards": [{**base, **card}]}


def test_a_card_longer_than_its_minutes_is_refused_by_name():
    long_body = ["word " * 150] * 3
    with pytest.raises(CardsError, match=r"card 1 \('a'\): 45\d words take 3 minutes"):
        parse_cards(card_file(body=long_body, minutes=2))
    with pytest.raises(CardsError, match=r"card 1 \('a'\): minutes"):
        parse_cards(card_file(body=["word " * 100], minutes=4))
    with pytest.raises(CardsError, match=r"unknown placeholder \{patient\}"):
        parse_cards(card_file(body=["The {patient} said."]))
    with pytest.raises(CardsError, match="used twice"):
        parse_cards({"cards": card_file()["cards"] * 2})


def test_cards_need_no_sign_in_and_fill_neutral_words(client):
    listed = client.get("/api/learn")
    assert listed.status_code == 200
    cards = listed.get_json()["cards"]
    assert len(cards) >= 10
    assert set(cards[0]) >= {"id", "title", "summary", "minutes", "topics"}
    one = client.get("/api/learn/compassion-fatigue")
    assert one.status_code == 200
    card = one.get_json()["card"]
    assert set(card) >= {"id", "title", "minutes", "topics", "body"}
    assert "about the people you help" in card["body"] and "{" not in card["body"]
    missing = client.get("/api/learn/astrology")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_a_signed_in_reader_reads_their_own_words(client, auth, alice):
    auth.as_user(alice)
    client.patch("/api/me", json={"role": "dispatcher"})
    body = client.get("/api/learn/compassion-fatigue").get_json()["card"]["body"]
    assert "callers" in body and "people you help" not in body


def test_an_operator_file_replaces_the_cards_and_a_bad_one_stops_start_up(app_config, tmp_path):
    own = tmp_path / "cards.json"
    own.write_text(
        json.dumps(card_file(id="our-offer", title="Our staff support", body=["Call us."]))
    )
    application = create_app({**app_config, "TEND_LEARN_PATH": str(own)})
    try:
        cards = application.test_client().get("/api/learn").get_json()["cards"]
        assert [card["id"] for card in cards] == ["our-offer"]
    finally:
        application.extensions["tend.engine"].dispose()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(card_file(title="")))
    with pytest.raises(CardsError, match=r"card 1 \('a'\): title"):
        create_app({**app_config, "TEND_LEARN_PATH": str(bad)})
    with pytest.raises(CardsError, match="cannot be read"):
        create_app({**app_config, "TEND_LEARN_PATH": str(tmp_path / "missing.json")})
