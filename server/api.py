"""The JSON API layer: one decorator that validates, authorises and documents a route.

``route`` validates the body and query string with pydantic models, requires a
login and a CSRF token where the contract says so, and records the route with its
schemas, so ``/api/openapi.json`` is generated from the very models that
validate requests.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from flask import Blueprint, Response, jsonify, request, session
from flask_login import current_user
from pydantic import BaseModel, Field, ValidationError
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter
from werkzeug.routing import ValidationError as NotThisRule

from server.db import db

CSRF_HEADER = "X-CSRF-Token"
CSRF_SESSION_KEY = "csrf_token"
# Row ids are INTEGER columns: on PostgreSQL a larger number is an error, not "no such row".
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
# Schedule shapes name the union member in an error's location; a person never needs it.
SCHEDULE_TAGS = frozenset({"daily", "interval", "once", "monthly"})


class RowIdConverter(IntegerConverter):
    """Flask's ``int`` converter, except that digits too many for ``int()`` still match.

    A converter that refuses a value makes werkzeug answer some methods with 405;
    matching and leaving the range check to ``require_row_ids_in_range`` gives 404.
    """

    def to_python(self, value: str) -> Any:
        """The number, or one past the largest row id when Python will not parse it."""
        try:
            return super().to_python(value)
        except NotThisRule:
            return MAX_ROW_ID + 1


class ApiError(Exception):
    """An error answered in the JSON error shape every route documents."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers or {}

    def response(self) -> Response:
        """The Flask response for this error."""
        return error_response(self.status, self.code, self.message, self.fields, self.headers)


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build ``{"error": {code, message, fields?}}`` with the given status."""
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    resp = jsonify({"error": error})
    resp.status_code = status
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


# What each kind of pydantic error means, in a short sentence a tired person can act on.
# Keys are pydantic's stable error types; ``{name}`` fills from the error's context.
PLAIN_WORDS: dict[str, str] = {
    "missing": "Please fill this in.",
    "greater_than_equal": "Use {ge} or more.",
    "less_than_equal": "Use {le} or less.",
    "greater_than": "Use more than {gt}.",
    "less_than": "Use less than {lt}.",
    "string_too_short": "Use at least {min_length} characters.",
    "string_too_long": "Keep this to {max_length} characters or fewer.",
    "too_short": "Choose at least {min_length}.",
    "too_long": "Choose at most {max_length}.",
    "int_parsing": "Use a whole number.",
    "int_type": "Use a whole number.",
    "int_from_float": "Use a whole number.",
    "float_parsing": "Use a number.",
    "float_type": "Use a number.",
    "bool_parsing": "Choose yes or no.",
    "bool_type": "Choose yes or no.",
    "string_type": "Write some text here.",
    "literal_error": "Choose one of the options.",
    "enum": "Choose one of the options.",
    "union_tag_invalid": "Choose one of the options.",
    "union_tag_not_found": "Choose one of the options.",
    "string_pattern_mismatch": "This doesn't look right. Please check it for typos.",
    "extra_forbidden": "Tend doesn't use this here; please leave it out.",
    "date_parsing": "Use a date like 2026-01-31.",
    "date_from_datetime_parsing": "Use a date like 2026-01-31.",
    "date_type": "Use a date like 2026-01-31.",
    "time_parsing": "Use a time like 18:30.",
    "time_type": "Use a time like 18:30.",
    "datetime_parsing": "Use a date and time like 2026-01-31T18:30+01:00.",
    "datetime_from_date_parsing": "Use a date and time like 2026-01-31T18:30+01:00.",
    "datetime_type": "Use a date and time like 2026-01-31T18:30+01:00.",
    "timezone_aware": "Add the time zone, like +01:00, to this time.",
    "url_parsing": "Use a full web address, starting with https://.",
    "url_scheme": "Use a web address starting with https://.",
    "list_type": "Choose from the list.",
    "model_type": "Please fill in this part of the form.",
    "dict_type": "Please fill in this part of the form.",
    "json_invalid": "This couldn't be read. Please try again.",
}
FALLBACK_WORDS = "Please check this."


def plain_words(error: dict) -> str:
    """One pydantic error as a short sentence for a person.

    Our own validators already speak plainly (``ValueError("Choose at least one day.")``)
    and keep their words; every other error gets its sentence from ``PLAIN_WORDS``.
    """
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "value_error":
        message = str(error.get("msg", ""))
        return message.removeprefix("Value error, ") or FALLBACK_WORDS
    if kind in {"string_too_short", "too_short"} and context.get("min_length") == 1:
        return "Please fill this in." if kind == "string_too_short" else "Choose at least one."
    template = PLAIN_WORDS.get(kind)
    if template is None:
        return FALLBACK_WORDS
    try:
        return template.format(**context)
    except (KeyError, IndexError, ValueError):
        return FALLBACK_WORDS


def fields_from_validation_error(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    """Map pydantic errors to ``{"dotted.field": "what to do, in plain words"}``, every field."""
    fields: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"] if not str(part).startswith("function-")]
        # Discriminated unions add the tag to the location; it is noise to a person.
        loc = [part for part in loc if part not in SCHEDULE_TAGS] or loc
        name = ".".join([prefix, *loc] if prefix else loc) or "body"
        fields.setdefault(name, plain_words(err))
    return fields


# --- CSRF ------------------------------------------------------------------------------


def csrf_token() -> str:
    """The session's CSRF token, created on first use."""
    token = session.get(CSRF_SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_SESSION_KEY] = token
    return token


def check_csrf() -> None:
    """Raise 403 ``csrf_failed`` unless the header matches the session's token."""
    expected = session.get(CSRF_SESSION_KEY)
    given = request.headers.get(CSRF_HEADER, "")
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise ApiError(
            403,
            "csrf_failed",
            "This request is missing its security token. Reload the page and try again.",
        )


# --- Route registry and decorator ----------------------------------------------------


@dataclass
class RouteDoc:
    """What OpenAPI needs to know about one route."""

    rule: str
    methods: list[str]
    endpoint: str
    summary: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    auth: bool
    csrf: bool
    tags: list[str] = field(default_factory=list)
    # A body the view reads itself, not JSON: its media type (e.g. "text/calendar").
    raw_body: str | None = None


ROUTES: dict[str, RouteDoc] = {}
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def read_json_body() -> Any:
    """Parse the request body as JSON or raise a clear 400."""
    if not request.content_length and not request.data:
        return {}
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the request body as application/json.")
    try:
        return request.get_json(force=True, silent=False)
    except BadRequest:
        # Only a parse failure; 413 (body too large) is not a BadRequest and passes through.
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    except RecursionError:
        # A thousand nested brackets fit in a small body and exhaust the parser's stack.
        raise ApiError(400, "invalid_json", "The request body is nested too deeply.") from None


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, in plain words, or None.

    A NUL character (PostgreSQL refuses it) or a lone surrogate (JSON allows
    ``"\\ud800"``, but it has no UTF-8 form, so no database driver can write it).
    """
    if "\x00" in text:
        return "This text holds a hidden NUL character that cannot be saved."
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "This text holds a broken character that cannot be saved."
    return None


def unsavable_text(data: Any) -> tuple[str, str] | None:
    """The dotted name of the first key or string that cannot be stored, and why."""
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:  # a loop, not recursion: a deeply nested body must not exhaust the stack
        path, value = pending.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return path or "body", problem
            continue
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        else:
            continue
        for key, item in reversed(items):
            name = f"{path}.{key}" if path else str(key)
            problem = text_problem(key) if isinstance(key, str) else None
            if problem:
                return name, problem
            pending.append((name, item))
    return None


def reject_unsavable_text(data: Any, message: str) -> None:
    """400 for text no field takes and no database can store (see ``text_problem``).

    Checked on the whole body, so data kept as it came (a passkey's credential, a
    program's settings) is covered as well as typed fields.
    """
    found = unsavable_text(data)
    if found:
        name, problem = found
        raise ApiError(400, "validation_error", message, fields={name: problem})


def parse_body(model: type[BaseModel]) -> BaseModel:
    """Validate the JSON body against ``model``."""
    data = read_json_body()
    if not isinstance(data, dict):
        raise ApiError(400, "validation_error", "The request body must be a JSON object.")
    return validate(model, data, "Some fields need another look.")


def validate(model: type[BaseModel], data: dict[str, Any], message: str) -> BaseModel:
    """Validate ``data`` against ``model``; problems become a 400 naming each field."""
    reject_unsavable_text(data, message)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(
            400, "validation_error", message, fields=fields_from_validation_error(exc)
        ) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    """Validate the query string against ``model`` (repeated keys become lists)."""
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    return validate(model, data, "Some query parameters need another look.")


def to_response(result: Any, status: int) -> Response:
    """Turn a view's return value into a JSON response."""
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        result, status = result
    if result is None:
        return Response(status=204 if status in (200, 204) else status)
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json")
    resp = jsonify(result)
    resp.status_code = status
    return resp


def require_row_ids_in_range(url_values: dict[str, Any]) -> None:
    """404 for a numeric path id no row can have (checked here, since a bounded URL
    converter makes werkzeug answer some methods with 405 instead)."""
    for value in url_values.values():
        if isinstance(value, int) and not 1 <= value <= MAX_ROW_ID:
            raise ApiError(404, "not_found", "There is nothing here.")


def first_line(text: str | None) -> str:
    """The first line of a docstring, or an empty string."""
    return (text or "").strip().split("\n", 1)[0]


def route(
    bp: Blueprint,
    rule: str,
    *,
    methods: list[str] | tuple[str, ...] = ("GET",),
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: bool = True,
    csrf: bool = True,
    summary: str = "",
    tags: list[str] | None = None,
    raw_body: str | None = None,
) -> Callable:
    """Register an API view on ``bp`` with validation, auth, CSRF and OpenAPI documentation."""
    methods = [m.upper() for m in methods]

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**url_values: Any) -> Response:
            if auth and not current_user.is_authenticated:
                raise ApiError(401, "unauthorized", "Please sign in first.")
            if csrf and request.method in MUTATING:
                check_csrf()
            require_row_ids_in_range(url_values)
            kwargs = dict(url_values)
            if body is not None:
                kwargs["body"] = parse_body(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            return to_response(view(**kwargs), status)

        endpoint = f"{bp.name}.{view.__name__}"
        bp.add_url_rule(rule, view.__name__, wrapper, methods=methods)
        ROUTES[endpoint] = RouteDoc(
            rule=(bp.url_prefix or "") + rule,
            methods=methods,
            endpoint=endpoint,
            summary=summary or first_line(view.__doc__),
            body=body,
            query=query,
            response=response,
            status=status,
            auth=auth,
            csrf=csrf,
            tags=tags or [bp.name],
            raw_body=raw_body,
        )
        return wrapper

    return decorator


def signed_in_user():
    """The signed-in ``User``, attached to this request's database session."""
    return db.session.merge(current_user._get_current_object())


def owned_or_404(session, model, user_id: int, row_id: int, what: str):
    """The user's row of ``model``, or 404 (someone else's looks exactly like none)."""
    row = session.get(model, row_id)
    if row is None or row.user_id != user_id:
        raise ApiError(404, "not_found", f"That {what} isn't on your list.")
    return row


# One heavy planning request per person at a time (per web process): however many
# tabs someone opens, their planning uses one thread, and everyone else keeps the rest.
# Weak values: a person's lock lives only while a request of theirs holds or waits for
# it, so the table does not grow with every person who ever planned something.
_person_locks: weakref.WeakValueDictionary[int, threading.Lock] = weakref.WeakValueDictionary()
_person_locks_guard = threading.Lock()
PLANNING_WAIT_SECONDS = 10.0


@contextmanager
def one_at_a_time(user_id: int, wait: float = PLANNING_WAIT_SECONDS) -> Iterator[None]:
    """Run the block while holding this person's planning lock; 429 if it stays busy."""
    with _person_locks_guard:
        lock = _person_locks.get(user_id)
        if lock is None:
            lock = _person_locks[user_id] = threading.Lock()
    if not lock.acquire(timeout=wait):
        raise ApiError(
            429,
            "busy",
            "Tend is still working out your last request. Try again in a moment.",
            headers={"Retry-After": "2"},
        )
    try:
        yield
    finally:
        lock.release()
