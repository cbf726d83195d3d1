"""The operator's commands, ``flask --app server tend …``: people by count and activity
(never what they wrote), switching an account off or deleting it, the VAPID key's
fingerprint, a test push, the schedulers' heartbeat, backup and restore check."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import timedelta
from pathlib import Path

import click
from cryptography.hazmat.primitives import serialization
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import delete, func, select

from server.accounts.models import LoginSession, User
from server.accounts.service import delete_user
from server.admin.backup import backup_sqlite, pg_dump_command, restore_check, sqlite_path
from server.checkins.models import CheckIn
from server.db import session_scope, utcnow
from server.ops.heartbeat import SILENT_AFTER, recent_heartbeats
from server.push.models import PushSubscription
from server.push.service import send_test_notification, targets_for_user

tend_cli = AppGroup("tend", help="Tend's operator commands.")


def engine():
    """The app's database engine."""
    return current_app.extensions["tend.engine"]


def find_user(session, email: str) -> User:
    """The account with ``email``, or a clear error."""
    user = session.execute(
        select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No account with the email {email!r}.")
    return user


@tend_cli.command("users")
@with_appcontext
def users_command() -> None:
    """Accounts by count and activity: sign-ups, last check-in day, devices. No content."""
    now = utcnow()
    with session_scope(engine()) as session:
        people = session.execute(select(User).order_by(User.id)).scalars().all()
        last_checkin = dict(
            session.execute(
                select(CheckIn.user_id, func.max(CheckIn.created_at)).group_by(CheckIn.user_id)
            ).all()
        )
        devices = dict(
            session.execute(
                select(PushSubscription.user_id, func.count()).group_by(PushSubscription.user_id)
            ).all()
        )
    active = {
        days: sum(
            1 for seen in last_checkin.values() if seen and now - seen <= timedelta(days=days)
        )
        for days in (7, 30)
    }
    disabled = sum(1 for person in people if person.disabled_at is not None)
    click.echo(
        f"{len(people)} accounts ({disabled} switched off); checked in within 7 days: "
        f"{active[7]}, within 30 days: {active[30]}; with a device: {len(devices)}"
    )
    months = Counter(person.created_at.strftime("%Y-%m") for person in people)
    for month in sorted(months)[-12:]:
        click.echo(f"  signed up {month}: {months[month]}")
    for person in people:
        seen = last_checkin.get(person.id)
        state = " (switched off)" if person.disabled_at else ""
        checked_in = f"last check-in {seen:%Y-%m-%d}" if seen else "no check-in yet"
        click.echo(
            f"{person.id:>6}  {person.email}{state}  since {person.created_at:%Y-%m-%d}  "
            f"{checked_in}  devices {devices.get(person.id, 0)}"
        )


@tend_cli.command("disable")
@click.argument("email")
@with_appcontext
def disable_command(email: str) -> None:
    """Switch an account off: no sign-in, no notifications; its data stays."""
    switch(email, on=False)
    click.echo(f"{email}: switched off; signed out everywhere; no notifications go out.")


@tend_cli.command("enable")
@click.argument("email")
@with_appcontext
def enable_command(email: str) -> None:
    """Switch an account back on."""
    switch(email, on=True)
    click.echo(f"{email}: switched on again.")


def switch(email: str, *, on: bool) -> None:
    """Switch the account of ``email`` on or off; off also ends every sign-in at once."""
    with session_scope(engine()) as session:
        user = find_user(session, email)
        user.disabled_at = None if on else user.disabled_at or utcnow()
        session.add(user)
        if not on:
            # Every sign-in ends now, not when its cookie expires.
            session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


@tend_cli.command("delete")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Really delete: every row of the account goes.")
@with_appcontext
def delete_command(email: str, yes: bool) -> None:
    """Delete an account and everything in it (the person can do this in Settings too)."""
    if not yes:
        raise click.ClickException("Deleting cannot be undone: add --yes to go ahead.")
    with session_scope(engine()) as session:
        delete_user(session, find_user(session, email))
    current_app.extensions["tend.throttle"].forget_account(email.strip().lower())
    click.echo(f"{email}: deleted with all its data.")


def vapid_fingerprint(key) -> str:
    """SHA-256 of the raw public key (uncompressed point), as colon-separated hex."""
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    digest = hashlib.sha256(raw).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@tend_cli.command("vapid-fingerprint")
@with_appcontext
def vapid_fingerprint_command() -> None:
    """The VAPID public key's SHA-256 fingerprint, to compare between deployments.

    There is no rotate command on purpose: every browser subscribed with the current
    key, and a new key silently stops notifications to all of them until each person
    opens the app again.
    """
    click.echo(vapid_fingerprint(current_app.extensions["tend.vapid_key"]))


@tend_cli.command("test-push")
@click.argument("email")
@with_appcontext
def test_push_command(email: str) -> None:
    """Send the "notifications reach this device" message to every device of an account."""
    with session_scope(engine()) as session:
        user = find_user(session, email)
        targets = targets_for_user(session, user.id)
        if not targets:
            raise click.ClickException(f"{email} has no device that can get notifications.")
        sent, failed = send_test_notification(current_app, session, user.id, targets)
    click.echo(f"{email}: sent to {sent} device(s), {failed} failed.")
    if failed:
        raise SystemExit(1)


@tend_cli.command("heartbeat")
@with_appcontext
def heartbeat_command() -> None:
    """The schedulers seen in the last day: when each last ticked, its batch and the backlog."""
    now = utcnow()
    with engine().connect() as conn:
        rows = recent_heartbeats(conn, now)
    if not rows:
        click.echo("No scheduler has ticked in the last day.")
        raise SystemExit(1)
    for row in rows:
        age = (now - row.last_tick_at).total_seconds()
        state = "ticking" if now - row.last_tick_at <= SILENT_AFTER else "SILENT"
        click.echo(
            f"{row.host} pid {row.pid}: {state}, last tick {age:.0f} s ago, "
            f"last batch {row.last_batch}, due backlog {row.backlog}, "
            f"up since {row.started_at:%Y-%m-%d %H:%M} UTC"
        )


@tend_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """A consistent copy of the live SQLite database (PostgreSQL: prints the pg_dump command)."""
    url = str(engine().url.render_as_string(hide_password=False))
    source = sqlite_path(url)
    if source is None:
        click.echo("PostgreSQL: run pg_dump (it asks for the password or reads ~/.pgpass):")
        click.echo(pg_dump_command(url, path))
        return
    try:
        backup_sqlite(source, path)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backed up to {path} (readable by its owner only).")


@tend_cli.command("restore-check")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def restore_check_command(path: Path) -> None:
    """Check that a SQLite backup opens, is at a known revision and every table reads."""
    result = restore_check(path)
    for table, count in sorted(result.rows.items()):
        click.echo(f"  {table}: {count} rows")
    if result.revision:
        where = "the newest" if result.at_head else "known, older than this code"
        where = where if result.known else "UNKNOWN to this code"
        click.echo(f"schema revision {result.revision}: {where}")
    for problem in result.problems:
        click.echo(f"problem: {problem}", err=True)
    if not result.ok:
        raise SystemExit(1)
    click.echo("The backup is readable.")
