"""Crisis lines the operator configures, shown when support would help.

``TEND_CRISIS_LINES`` is either a path to a JSON file or the JSON itself: a
list of ``{name, phone, text, url, country, note}``. Unset, Tend uses
``crisis_lines.json`` beside this module (see ``CRISIS_LINES.md``). A bad value
fails with a message naming the entry, so an operator finds the typo at
start-up and never shows a broken number to someone who needs it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_CRISIS_LINES = Path(__file__).with_name("crisis_lines.json")
SETTING = "TEND_CRISIS_LINES"
RESOURCES_SETTING = "TEND_SUPPORT_RESOURCES"

ShortText = Annotated[str, Field(min_length=1, max_length=60)]


class CrisisLinesError(ValueError):
    """``TEND_CRISIS_LINES`` cannot be used; the message says which entry is wrong."""


class CrisisLine(BaseModel):
    """One line a person can call, text or visit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    phone: ShortText | None = None
    text: ShortText | None = None
    url: str | None = Field(default=None, max_length=300)
    country: str | None = Field(default=None, description="ISO 3166 code, or null for anywhere")
    note: str | None = Field(default=None, max_length=200)

    @field_validator("url")
    @classmethod
    def web_address(cls, value: str | None) -> str | None:
        """Only absolute http(s) addresses, so a link can never run script."""
        if value is None:
            return value
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http or https address")
        return value

    @field_validator("country")
    @classmethod
    def country_code(cls, value: str | None) -> str | None:
        """Two-letter country codes, upper case."""
        if value is None:
            return value
        if len(value) != 2 or not value.isalpha():
            raise ValueError("must be a two-letter country code such as GB, or null")
        return value.upper()

    @model_validator(mode="after")
    def reachable(self) -> CrisisLine:
        """A line nobody can reach is no help."""
        if not (self.phone or self.text or self.url):
            raise ValueError("give at least one of phone, text or url")
        return self


def read_setting(config_value: str, setting: str = SETTING) -> tuple[Any, str]:
    """The raw JSON of the setting and a name for it in messages."""
    stripped = config_value.strip()
    if stripped.startswith(("[", "{")):
        source = setting
        text = stripped
    else:
        source = f"{setting} file {stripped}"
        try:
            text = Path(stripped).read_text(encoding="utf-8")
        except OSError as exc:
            raise CrisisLinesError(f"{source}: cannot be read ({exc.strerror})") from None
    try:
        return json.loads(text), source
    except json.JSONDecodeError as exc:
        raise CrisisLinesError(f"{source}: not valid JSON (line {exc.lineno}: {exc.msg})") from None


def parse_crisis_lines(data: Any, source: str = SETTING) -> list[CrisisLine]:
    """Validate a list of crisis lines; the error names the entry by position and name."""
    if not isinstance(data, list):
        raise CrisisLinesError(f"{source}: must be a JSON list of crisis lines")
    lines = []
    for index, item in enumerate(data):
        try:
            lines.append(CrisisLine.model_validate(item))
        except ValidationError as exc:
            name = item.get("name") if isinstance(item, dict) else None
            where = f"entry {index + 1}" + (f" ({name!r})" if name else "")
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: "
                f"{err['msg'].removeprefix('Value error, ')}"
                for err in exc.errors(include_url=False)
            )
            raise CrisisLinesError(f"{source}: {where}: {problems}") from None
    return lines


@cache
def load_crisis_lines(config_value: str | None) -> tuple[CrisisLine, ...]:
    """The configured crisis lines (the documented default when unset), cached per value."""
    if config_value is None or not config_value.strip():
        data = json.loads(DEFAULT_CRISIS_LINES.read_text(encoding="utf-8"))
        return tuple(parse_crisis_lines(data, str(DEFAULT_CRISIS_LINES)))
    data, source = read_setting(config_value)
    return tuple(parse_crisis_lines(data, source))


@cache
def load_support_resources(config_value: str | None) -> tuple[CrisisLine, ...]:
    """The operator's own resources (``TEND_SUPPORT_RESOURCES``): none when unset."""
    if config_value is None or not config_value.strip():
        return ()
    data, source = read_setting(config_value, RESOURCES_SETTING)
    return tuple(parse_crisis_lines(data, source))


def crisis_lines_json(
    config_value: str | None, timezone: str | None = None, country: str | None = None
) -> list[dict[str, Any]]:
    """The crisis lines as JSON-ready dicts, those of ``country`` (or the time zone's) first."""
    lines = load_crisis_lines(config_value)
    nearest = country or country_of_zone(timezone)
    return [line.model_dump() for line in nearest_first(lines, nearest)]


def nearest_first(lines: Iterable[CrisisLine], country: str | None) -> list[CrisisLine]:
    """``lines`` with the country's own first, then those for anywhere, then the rest.

    Nothing is left out: a time zone says where a phone is set, not always where
    its owner is, and the operator chose every line on the list.
    """

    def distance(line: CrisisLine) -> int:
        if country is not None and line.country == country:
            return 0
        return 1 if line.country is None else 2

    return sorted(lines, key=distance)


def tz_table(name: str) -> list[list[str]]:
    """The rows of one of the tz database's tab-separated tables, comments left out."""
    table = resources.files("tzdata").joinpath("zoneinfo", name).read_text("utf-8")
    return [row.split("\t") for row in table.splitlines() if row and not row.startswith("#")]


@cache
def zone_countries() -> dict[str, str]:
    """IANA time zone → ISO 3166 country code, from the tz database's ``zone.tab``."""
    return {row[2]: row[0] for row in tz_table("zone.tab")}


def country_of_zone(timezone: str | None) -> str | None:
    """The country a time zone belongs to (``Europe/Berlin`` → ``DE``), or None."""
    return zone_countries().get(timezone) if timezone else None


@cache
def iso_countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → English name, from the tz database's ``iso3166.tab``."""
    return {row[0]: row[1].strip() for row in tz_table("iso3166.tab")}


def iso_country_code(value: str) -> str:
    """``value`` as an upper-case ISO 3166-1 alpha-2 code; ValueError when it is not one."""
    code = value.strip().upper()
    if code not in iso_countries():
        raise ValueError("must be a two-letter country code such as GB or DE")
    return code
