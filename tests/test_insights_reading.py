"""Each topic says which way its title reads, so Trends can draw it upside up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.checkins.bank import Domain, load_bank


def test_insights_say_which_topics_read_better_when_higher(client, auth, alice):
    auth.as_user(alice)
    domains = client.get("/api/insights").get_json()["domains"]
    assert domains["meaning"]["title"] == "Making a difference"
    assert domains["meaning"]["higher_is_better"] is True
    assert domains["support"]["higher_is_better"] is True
    assert domains["dread"]["higher_is_better"] is False
    assert domains["intrusion"]["higher_is_better"] is False


def test_every_shipped_topic_reads_the_way_its_questions_mostly_point_or_is_listed():
    bank = load_bank()
    # Titles that name the good side although most of their questions ask about the hard one.
    named_for_the_good_side = {"safety", "irritability", "withdrawal"}
    for name, domain in bank.domains.items():
        directions = [q.direction for q in bank.in_domain(name)]
        mostly_better = directions.count("higher_is_better") > len(directions) / 2
        expected = mostly_better or name in named_for_the_good_side
        assert domain.higher_is_better is expected, name


def test_a_bank_may_leave_the_reading_out_and_may_not_misspell_it():
    assert Domain(title="Sleep").higher_is_better is False
    with pytest.raises(ValidationError):
        Domain(title="Sleep", higher_is_better="often")
