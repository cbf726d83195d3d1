"""Learn with an operator's own cards whose titles and words are as long as allowed."""

from __future__ import annotations

import json

import pytest

from tests.browser.helpers import axe_findings
from tests.browser.test_learn import fits_the_phone, shot

LONG_TITLE = "Supervisionsvereinbarungen und Nachbesprechungsmöglichkeiten " + "x" * 29
LONG_WORD = "Arbeitsplatzgesundheitsförderungsmaßnahmenbeauftragtenstelle"


@pytest.fixture
def app_config(app_config, tmp_path):
    cards = {
        "cards": [
            {
                "id": "own-support-offer",
                "title": LONG_TITLE[:90],
                "summary": f"Our {LONG_WORD} helps {{people}} and you. " + "More words here. " * 5,
                "minutes": 1,
                "body": [f"Ask the {LONG_WORD}.", "- one thing\n- " + LONG_WORD],
            }
        ]
    }
    path = tmp_path / "long-cards.json"
    path.write_text(json.dumps(cards))
    return {**app_config, "TEND_LEARN_PATH": str(path)}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_long_titles_and_words_fit_a_phone(live_server, page, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url + "/#/learn")
    page.wait_for_selector("#screen[data-ready='learn'] .learn-link")
    fits_the_phone(page)
    assert axe_findings(page) == []
    shot(page, f"learn-long-list-{scheme}")
    page.locator("#screen .learn-link").first.click()
    page.wait_for_selector("#screen .learn-card h1")
    fits_the_phone(page)
    assert axe_findings(page) == []
    shot(page, f"learn-long-card-{scheme}")
    assert page.errors == []
