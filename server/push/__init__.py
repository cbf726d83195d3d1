"""Push feature: VAPID identity, device subscriptions and the web push sender.

``init_app(app)`` loads (or creates once) the VAPID key into
``app.extensions["tend.vapid_key"]`` and adds the ``vapid-public-key`` CLI command.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from server.config import placeholder_reason, resolve_vapid_subject
from server.push.vapid import check_subject, load_or_create_private_key, public_key_b64url


def init_app(app: Flask) -> None:
    """Load the VAPID key and settle the subject at start-up.

    Raises ``ConfigError`` for a placeholder subject behind an https public URL and
    ``VapidError`` for an unusable key; over plain http a placeholder only warns.
    """
    public_url = app.config["TEND_PUBLIC_URL"]
    subject = resolve_vapid_subject(app.config.get("TEND_VAPID_SUBJECT"), public_url)
    app.config["TEND_VAPID_SUBJECT"] = check_subject(subject)
    reason = placeholder_reason(subject)
    if reason:
        app.logger.warning(
            "TEND_VAPID_SUBJECT is %r, a placeholder (%s). Fine for development over http, "
            "but Apple's push service refuses it: set a real mailto: or https: contact, or "
            "an https TEND_PUBLIC_URL, before iPhones use this server.",
            subject,
            reason,
        )
    app.extensions["tend.vapid_key"] = load_or_create_private_key(
        app.instance_path, app.config.get("TEND_VAPID_PRIVATE_KEY")
    )
    app.cli.add_command(vapid_public_key_command)


@click.command("vapid-public-key")
@with_appcontext
def vapid_public_key_command() -> None:
    """Print the VAPID public key (base64url), as browsers use it."""
    click.echo(public_key_b64url(current_app.extensions["tend.vapid_key"]))
