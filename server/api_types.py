"""Types every feature's request and response models share: times, dates, zones, strictness.

Each feature keeps its own models in its ``schemas.py``; what they all validate the
same way (an IANA zone, a wall time, an aware datetime within 1900–2999, a calendar
date, a country code, no unknown fields) lives here once.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from server.support.crisis import iso_country_code

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


@cache
def known_timezones() -> frozenset[str]:
    """Every IANA zone name in the bundled tzdata.

    Not ``zoneinfo.available_timezones()``: on many systems it also lists files such
    as ``localtime`` (the server's own zone, whatever that is), ``posixrules`` and
    ``Factory``, which are not places a person lives in.
    """
    zones = files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(zones) - {"Factory"}


def check_timezone(value: str) -> str:
    """Accept only IANA names like ``Europe/Berlin``."""
    if value not in known_timezones():
        raise ValueError("Use a time zone name such as Europe/Berlin or America/Chicago.")
    return value


def check_hhmm(value: str) -> str:
    """Accept wall-clock times as ``HH:MM``."""
    if not HHMM.match(value):
        raise ValueError("Use a 24-hour time like 07:30.")
    return value


# Python's datetimes end at the years 1 and 9999; time-zone arithmetic near either end
# overflows. Nothing Tend plans is that far away, so inputs stay well inside.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
RANGE_MESSAGE = "Choose a time between the years 1900 and 2999."


def check_in_range(value: datetime) -> datetime:
    """An aware datetime between 1900 and 2999 (UTC), where every zone can represent it."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(RANGE_MESSAGE) from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError(RANGE_MESSAGE)
    return value


def check_aware(value: datetime | None) -> datetime | None:
    """Times sent to the API must carry an offset and lie between 1900 and 2999."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("Include a time zone offset, like 2026-01-31T18:00:00+01:00.")
    return check_in_range(value)


def only_text_times(value: object) -> object:
    """A number is not a time here: pydantic would read it as Unix seconds, silently."""
    if isinstance(value, int | float) or (isinstance(value, str) and NUMBER.fullmatch(value)):
        raise ValueError("Use an ISO 8601 time with its offset, like 2026-01-31T18:00:00+01:00.")
    return value


def check_calendar_date(value: date) -> date:
    """Calendar dates sent to the API lie between 1900 and 2999."""
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError("Choose a date between the years 1900 and 2999.")
    return value


TimeZoneName = Annotated[str, Field(max_length=64), AfterValidator(check_timezone)]
WallTime = Annotated[
    str,
    Field(max_length=5, json_schema_extra={"pattern": HHMM.pattern}),
    AfterValidator(check_hhmm),
]
AwareDatetime = Annotated[datetime, BeforeValidator(only_text_times), AfterValidator(check_aware)]
CalendarDate = Annotated[date, AfterValidator(check_calendar_date)]
CountryCode = Annotated[
    str,
    Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2, such as GB"),
    AfterValidator(iso_country_code),
]


class Strict(BaseModel):
    """Unknown fields are an error, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")
