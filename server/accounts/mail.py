"""Reset links by email, through the operator's SMTP server (``TEND_SMTP_URL``)."""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage

from server.config import SmtpSettings, parse_smtp_url

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 20


def smtp_settings(config) -> SmtpSettings | None:
    """The app's SMTP settings (tests may hand the URL over as text)."""
    value = config.get("TEND_SMTP_URL")
    return parse_smtp_url(value) if isinstance(value, str) else value


def reset_message(sender: str, recipient: str, link: str) -> EmailMessage:
    """The reset email: plain words, the link, and what to do if it was not you."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = "Set a new Tend password"
    message.set_content(
        "Someone (hopefully you) asked to set a new password for Tend.\n\n"
        f"Open this link within an hour to choose one:\n{link}\n\n"
        "If it was not you, ignore this email: your password stays as it is.\n"
    )
    return message


def deliver(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand one message to the SMTP server."""
    if settings.use_tls:
        context = ssl.create_default_context()
        client = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    with client:
        if settings.use_starttls:
            client.starttls(context=ssl.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)


def send_in_background(settings: SmtpSettings, message: EmailMessage) -> threading.Thread:
    """Send without holding the request: its answer must not reveal whether mail went out."""

    def run() -> None:
        try:
            deliver(settings, message)
        except (OSError, smtplib.SMTPException):
            log.exception("could not send a reset email")

    thread = threading.Thread(target=run, name="tend-reset-mail", daemon=True)
    thread.start()
    return thread
