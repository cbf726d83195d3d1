"""Account operations shared by the routes: presenting, changing, exporting, deleting."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, SQLModel

from server.accounts.models import User
from server.accounts.schemas import MePatch, QuietHours, UserOut, WorkHours
from server.support.crisis import country_of_zone

# Columns never exported: secrets, or keys that belong to a device, not to a person.
PRIVATE_COLUMNS = {
    "password_hash",
    "answer_token_hash",
    "p256dh",
    "auth",
    "id_hash",
    "recovery_code_hash",
    "token_hash",
    "pin_hash",
    "public_key",
    "credential_id",
    "challenge_hash",
}
# A spreadsheet reads a cell starting with one of these as a formula (or a command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading ``'`` (shown as text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def user_out(user: User) -> UserOut:
    """The API's view of a user."""
    return UserOut(
        id=user.id,
        email=user.email,
        timezone=user.timezone,
        work_hours=WorkHours(days=user.work_days, start=user.work_start, end=user.work_end),
        quiet_hours=QuietHours(start=user.quiet_start, end=user.quiet_end),
        daily_push_budget=user.daily_push_budget,
        paused_until=user.paused_until,
        timeoff_nudge_days=user.timeoff_nudge_days,
        timeoff_strong_days=user.timeoff_strong_days,
        country=user_country(user),
        role=user.role,
        schedule_mode=user.schedule_mode or "weekly",
        discreet_notifications=bool(user.discreet_notifications),
        lock_after_minutes=user.lock_after_minutes,
        created_at=user.created_at,
    )


def user_country(user: User) -> str | None:
    """The user's country: the one they chose, else the country of their time zone."""
    return user.country or country_of_zone(user.timezone)


def apply_settings(user: User, patch: MePatch) -> bool:
    """Apply the fields present in ``patch``; True when the schedule-relevant clock changed."""
    given = patch.model_fields_set
    clock_changed = False
    if "timezone" in given and patch.timezone and patch.timezone != user.timezone:
        user.timezone = patch.timezone
        clock_changed = True
    if "work_hours" in given and patch.work_hours is not None:
        new = (patch.work_hours.days, patch.work_hours.start, patch.work_hours.end)
        if new != (user.work_days, user.work_start, user.work_end):
            user.work_days, user.work_start, user.work_end = list(new[0]), new[1], new[2]
            clock_changed = True
    if "quiet_hours" in given and patch.quiet_hours is not None:
        user.quiet_start, user.quiet_end = patch.quiet_hours.start, patch.quiet_hours.end
    if (
        "schedule_mode" in given
        and patch.schedule_mode
        and patch.schedule_mode != user.schedule_mode
    ):
        user.schedule_mode = patch.schedule_mode
        clock_changed = True
    if "paused_until" in given:
        paused = patch.paused_until
        user.paused_until = paused.astimezone(UTC) if paused is not None else None
    if "country" in given:
        user.country = patch.country
    if "role" in given:
        user.role = patch.role
    if "discreet_notifications" in given and patch.discreet_notifications is not None:
        user.discreet_notifications = patch.discreet_notifications
    if "lock_after_minutes" in given:
        user.lock_after_minutes = patch.lock_after_minutes
    for name in ("daily_push_budget", "timeoff_nudge_days", "timeoff_strong_days"):
        if name in given and getattr(patch, name) is not None:
            setattr(user, name, getattr(patch, name))
    return clock_changed


def per_user_tables() -> list:
    """Every table with a ``user_id`` column, children before parents."""
    import server.models  # noqa: F401  (registers every table on the metadata)

    tables = [t for t in SQLModel.metadata.sorted_tables if "user_id" in t.c]
    return list(reversed(tables))


def row_to_json(row: dict[str, Any]) -> dict[str, Any]:
    """A database row as JSON-ready values, without private columns."""
    out = {}
    for key, value in row.items():
        if key in PRIVATE_COLUMNS:
            continue
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out[key] = value
    return out


def export_user(session: Session, user: User) -> dict[str, Any]:
    """Everything stored about ``user``, table by table."""
    data: dict[str, Any] = {"user": user_out(user).model_dump(mode="json")}
    for table in reversed(per_user_tables()):
        rows = session.execute(select(table).where(table.c.user_id == user.id)).mappings()
        data[table.name] = [row_to_json(dict(r)) for r in rows]
    return data


def checkins_csv(session: Session, user: User) -> str:
    """The user's check-in answers as CSV, one answer per line."""
    from server.checkins.models import CheckIn, CheckInAnswer

    rows = session.execute(
        select(CheckIn, CheckInAnswer)
        .join(CheckInAnswer, CheckInAnswer.checkin_id == CheckIn.id)
        .where(CheckIn.user_id == user.id)
        .order_by(CheckIn.created_at, CheckInAnswer.id)
    ).all()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["checkin_id", "created_at", "source", "question_id", "domain", "value", "note"]
    )
    for checkin, answer in rows:
        cells = [
            checkin.id,
            checkin.created_at.isoformat(),
            checkin.source,
            answer.question_id,
            answer.domain,
            answer.value,
            checkin.note or "",
        ]
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return buffer.getvalue()


def delete_user(session: Session, user: User) -> None:
    """Remove every row of ``user``; explicit deletes so nothing depends on cascades."""
    for table in per_user_tables():
        session.execute(delete(table).where(table.c.user_id == user.id))
    session.execute(delete(User).where(User.id == user.id))
    session.commit()
