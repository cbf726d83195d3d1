"""Crisis lines from TEND_CRISIS_LINES: default, file, inline JSON, clear errors."""

from __future__ import annotations

import json

import pytest

from server.support.crisis import CrisisLinesError, crisis_lines_json, load_crisis_lines


def test_default_list_is_valid_and_includes_an_international_directory():
    lines = load_crisis_lines(None)
    assert any(line.country is None and line.url for line in lines)
    assert {line.country for line in lines} >= {"US", "GB", "DE"}
    assert load_crisis_lines("") == lines


def test_inline_json_and_file(tmp_path):
    entry = {"name": "Local line", "phone": "0123 456", "country": "nz"}
    inline = load_crisis_lines(json.dumps([entry]))
    assert inline[0].country == "NZ"
    assert crisis_lines_json(json.dumps([entry]))[0] == {
        "name": "Local line",
        "phone": "0123 456",
        "text": None,
        "url": None,
        "country": "NZ",
        "note": None,
    }
    path = tmp_path / "lines.json"
    path.write_text(json.dumps([entry, {"name": "Web", "url": "https://example.org/help"}]))
    assert [line.name for line in load_crisis_lines(str(path))] == ["Local line", "Web"]
    assert load_crisis_lines("[]") == ()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('[{"name": "Quiet"}]', "entry 1 ('Quiet'): entry: give at least one of phone"),
        ('[{"name": "A", "url": "javascript:alert(1)"}]', "entry 1 ('A'): url: must be an http"),
        ('[{"name": "A", "phone": "1", "country": "Deutschland"}]', "country: must be a two"),
        ('[{"name": "A", "phone": "1", "fax": "2"}]', "fax: Extra inputs are not permitted"),
        ('[{"phone": "1"}]', "entry 1: name: Field required"),
        ('{"name": "A"}', "must be a JSON list"),
        ("[{oops", "not valid JSON"),
        ("/no/such/file.json", "cannot be read"),
    ],
)
def test_bad_values_name_the_problem(value, message):
    with pytest.raises(CrisisLinesError) as caught:
        load_crisis_lines(value)
    assert message in str(caught.value)
    assert "TEND_CRISIS_LINES" in str(caught.value)
