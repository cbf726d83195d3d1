"""Operator commands of the accounts feature (``flask --app server tend …``)."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from server.accounts.invites import create_invites
from server.db import session_scope, utcnow


@click.command("invite")
@click.option(
    "--count", default=1, show_default=True, type=click.IntRange(1, 500), help="How many codes."
)
@click.option(
    "--days",
    default=14,
    show_default=True,
    type=click.IntRange(0, 3650),
    help="Days each code stays valid (0: until used).",
)
@with_appcontext
def invite_command(count: int, days: int) -> None:
    """Make invite codes for TEND_REGISTRATION=invite and print them, this once.

    Only their hashes are stored: hand each person one code now.
    """
    valid_for = timedelta(days=days) if days else None
    with session_scope(current_app.extensions["tend.engine"]) as session:
        codes = create_invites(session, count, utcnow(), valid_for)
    for code in codes:
        click.echo(code)
    until = f"for {days} days" if days else "until used"
    click.echo(f"{count} invite code(s), each usable once, valid {until}.", err=True)
    if current_app.config["TEND_REGISTRATION"] != "invite":
        click.echo("Note: TEND_REGISTRATION is not 'invite', so sign-up needs no code.", err=True)
