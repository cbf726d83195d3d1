"""The operator's commands, run through Flask's CLI runner on a real database."""

from __future__ import annotations

import os
import stat
import threading

import time_machine
from sqlalchemy import func, select
from sqlmodel import Session

from scheduler.dispatch import run_tick
from server.accounts.models import User
from server.reminders.models import Delivery, Reminder
from tests.test_dispatch import add_device, add_reminder, add_user, berlin, daily


def run(app, *args):
    """Run ``flask tend ARGS`` in-process; returns Click's result."""
    return app.test_cli_runner().invoke(args=["tend", *args], catch_exceptions=False)


def test_users_lists_counts_and_activity_but_no_content(app, client, auth):
    auth.register("nina@example.org")
    answer = {"answers": [{"question_id": "intrusion_1", "value": 2}], "note": "bay three"}
    client.post("/api/checkins", json=answer)
    result = run(app, "users")
    assert result.exit_code == 0, result.output
    assert "1 accounts (0 switched off)" in result.output
    assert "nina@example.org" in result.output
    assert "bay three" not in result.output


def test_a_disabled_account_cannot_sign_in_and_gets_no_push(push_app, push_receiver):
    app = push_app
    client = app.test_client()
    alice = add_user(app, "alice@example.org")
    add_device(app, alice, push_receiver)
    assert run(app, "disable", "Alice@Example.org ").exit_code == 0
    with Session(app.extensions["tend.engine"]) as session:
        assert session.get(User, alice.id).disabled_at is not None
    result = run(app, "test-push", "alice@example.org")
    assert result.exit_code == 1 and "no device" in result.output
    assert push_receiver.received == []
    response = client.post("/api/auth/login", json={"email": "alice@example.org", "password": "x"})
    assert response.status_code in (401, 403)
    assert run(app, "enable", "alice@example.org").exit_code == 0
    result = run(app, "test-push", "alice@example.org")
    assert result.exit_code == 0 and "sent to 1 device(s), 0 failed" in result.output
    assert len(push_receiver.received) == 1


def test_disabling_ends_sessions_and_refuses_sign_in(app, client, auth):
    auth.register("sam@example.org")
    assert client.get("/api/me").status_code == 200
    run(app, "disable", "sam@example.org")
    assert client.get("/api/me").status_code == 401
    response = auth.login("sam@example.org")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "account_disabled"


def test_delete_needs_yes_and_removes_everything(app, auth):
    auth.register("gone@example.org")
    refused = app.test_cli_runner().invoke(args=["tend", "delete", "gone@example.org"])
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert run(app, "delete", "gone@example.org", "--yes").exit_code == 0
    with Session(app.extensions["tend.engine"]) as session:
        assert session.execute(select(func.count()).select_from(User)).scalar_one() == 0
    unknown = app.test_cli_runner().invoke(args=["tend", "disable", "gone@example.org"])
    assert unknown.exit_code != 0 and "No account" in unknown.output


def test_vapid_fingerprint_is_the_sha256_of_the_public_key(app):
    result = run(app, "vapid-fingerprint")
    fingerprint = result.output.strip()
    assert len(fingerprint.split(":")) == 32
    assert run(app, "vapid-fingerprint").output.strip() == fingerprint
    help_text = app.test_cli_runner().invoke(args=["tend", "vapid-fingerprint", "--help"]).output
    assert "no rotate command" in help_text


def test_heartbeat_says_when_no_scheduler_ticked_and_then_shows_it(app):
    result = app.test_cli_runner().invoke(args=["tend", "heartbeat"])
    assert result.exit_code == 1 and "No scheduler" in result.output
    from scheduler.runner import tick

    tick(app)
    result = run(app, "heartbeat")
    assert result.exit_code == 0 and "ticking" in result.output


def test_backup_while_the_scheduler_sends_restores_every_row(push_app, push_receiver, tmp_path):
    app = push_app
    if app.extensions["tend.engine"].dialect.name != "sqlite":
        result = run(app, "backup", str(tmp_path / "tend.dump"))
        assert result.output.splitlines()[-1].startswith("pg_dump --format=custom")
        assert "@" not in result.output.splitlines()[-1]
        return
    due = berlin(2025, 6, 2, 9, 0)
    for index in range(150):
        person = add_user(app, f"p{index}@example.org")
        add_device(app, person, push_receiver)
        add_reminder(app, person, "boundary", daily("09:00"), berlin(2025, 6, 2, 8))

    def send_everything():
        with time_machine.travel(due.replace(second=5), tick=False):
            while run_tick(app, batch=20).claimed:
                pass

    sender = threading.Thread(target=send_everything)
    sender.start()
    # Whatever was committed before the backup starts must be in it.
    with Session(app.extensions["tend.engine"]) as session:
        before = session.execute(select(func.count()).select_from(Delivery)).scalar_one()
    target = tmp_path / "backup.sqlite3"
    result = run(app, "backup", str(target))
    sender.join()
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    check = run(app, "restore-check", str(target))
    assert check.exit_code == 0, check.output
    assert "The backup is readable." in check.output
    assert "the newest" in check.output
    counted = dict(
        line.strip().rsplit(": ", 1) for line in check.output.splitlines() if line.endswith("rows")
    )
    assert counted["users"] == "150 rows" and counted["reminders"] == "150 rows"
    assert int(counted["deliveries"].split()[0]) >= before
    again = app.test_cli_runner().invoke(args=["tend", "backup", str(target)])
    assert again.exit_code != 0 and "exists already" in again.output
    with Session(app.extensions["tend.engine"]) as session:
        assert session.execute(select(func.count()).select_from(Reminder)).scalar_one() == 150


def test_restore_check_refuses_what_is_not_a_backup(app, tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    result = app.test_cli_runner().invoke(args=["tend", "restore-check", str(junk)])
    assert result.exit_code == 1
    assert "problem:" in result.output
