"""Devices that heal: last seen, replacing a dropped subscription, tests, dead devices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from server.db import utcnow
from server.push.cleanup import DeviceHealth, dead_device_ids, is_dead, remove_dead_devices
from server.push.models import PushSubscription, RemovedDevice
from tests.push_receiver import Reply
from tests.test_push_routes import (  # noqa: F401  (autouse: the app may push to the receiver)
    close_the_sender,
    receiver_is_an_allowed_push_host,
)

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def subscribe(client, subscription, **extra):
    return client.post("/api/push/subscriptions", json={**subscription.to_json(), **extra})


def devices(client) -> list[dict]:
    return client.get("/api/push/subscriptions").get_json()["subscriptions"]


def test_posting_the_subscription_again_marks_the_device_seen(client, auth, push_receiver):
    device = push_receiver.make_subscription()
    with time_machine.travel(NOW, tick=False) as traveller:
        auth.register()
        assert subscribe(client, device).status_code == 201
        [listed] = devices(client)
        assert listed["last_seen_at"].startswith("2026-06-01T09:00")
        assert listed["last_success_at"] is None and listed["last_failure"] is None
        traveller.shift(3 * DAY)
        assert subscribe(client, device).status_code == 200
        [listed] = devices(client)
        assert listed["last_seen_at"].startswith("2026-06-04T09:00")


def test_a_new_subscription_replaces_the_dropped_one(client, auth, bob, push_receiver):
    auth.register()
    old, other, new = (push_receiver.make_subscription() for _ in range(3))
    old_id = subscribe(client, old).get_json()["subscription"]["id"]
    other_id = subscribe(client, other).get_json()["subscription"]["id"]
    answer = subscribe(client, new, replaces=old_id)
    assert answer.status_code == 201
    new_id = answer.get_json()["subscription"]["id"]
    assert sorted(d["id"] for d in devices(client)) == sorted([other_id, new_id])


def test_replacing_never_touches_someone_elses_device(client, auth, bob, push_receiver):
    auth.as_user(bob)
    bobs = subscribe(client, push_receiver.make_subscription()).get_json()["subscription"]["id"]
    auth.logout()
    auth.register()
    assert subscribe(client, push_receiver.make_subscription(), replaces=bobs).status_code == 201
    auth.logout()
    auth.as_user(bob)
    assert [d["id"] for d in devices(client)] == [bobs]


def test_send_a_test_to_one_device(client, auth, bob, push_receiver, db_session):
    auth.register()
    first, second = push_receiver.make_subscription(), push_receiver.make_subscription()
    first_id = subscribe(client, first).get_json()["subscription"]["id"]
    subscribe(client, second)
    answer = client.post(f"/api/push/subscriptions/{first_id}/test")
    assert (answer.status_code, answer.get_json()) == (202, {"sent": 1, "failed": 0})
    assert len(push_receiver.messages_for(first)) == 1
    assert push_receiver.messages_for(second) == []
    reached = {d["id"]: d["last_success_at"] for d in devices(client)}
    assert reached[first_id] is not None

    push_receiver.answer(first, Reply(413))
    answer = client.post(f"/api/push/subscriptions/{first_id}/test")
    assert answer.get_json() == {"sent": 0, "failed": 1}
    failure = {d["id"]: d["last_failure"] for d in devices(client)}[first_id]
    assert failure == "The last notification didn't get through. Tend will keep trying."
    push_receiver.answer(first, Reply(403))
    client.post(f"/api/push/subscriptions/{first_id}/test")
    assert "server setting" in {d["id"]: d["last_failure"] for d in devices(client)}[first_id]
    # Once a message gets through again, the old problem is no longer shown or kept.
    assert client.post(f"/api/push/subscriptions/{first_id}/test").get_json()["sent"] == 1
    assert {d["id"]: d["last_failure"] for d in devices(client)}[first_id] is None
    row = db_session.get(PushSubscription, first_id)
    db_session.refresh(row)
    assert (row.failure_count, row.last_failure_reason) == (0, None)

    auth.logout()
    auth.as_user(bob)
    missing = client.post(f"/api/push/subscriptions/{first_id}/test")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def health(device_id, *, created, seen=None, reached=None, reason=None) -> DeviceHealth:
    return DeviceHealth(device_id, created, seen, reached, reason)


def test_dead_means_not_seen_for_30_days_and_not_reached_for_14():
    with time_machine.travel(NOW, tick=False):
        now = utcnow()
        long_ago = now - 90 * DAY
        candidates = [
            health(1, created=long_ago, seen=now - 30 * DAY, reached=now - 14 * DAY),
            health(2, created=long_ago, seen=now - 29 * DAY, reached=now - 60 * DAY),
            health(3, created=long_ago, seen=now - 60 * DAY, reached=now - 13 * DAY),
            health(4, created=long_ago),
            health(5, created=now - 10 * DAY),
            health(6, created=long_ago, seen=now - 40 * DAY, reason="refused"),
            health(
                7, created=long_ago, seen=now - 40 * DAY, reached=now - 20 * DAY, reason="failed"
            ),
        ]
        assert dead_device_ids(candidates, now) == [1, 4, 7]
        assert not is_dead(candidates[5], now + 365 * DAY)


def test_the_daily_job_removes_dead_devices_and_today_hears_of_it_once(
    app, client, auth, db_session, push_receiver
):
    auth.register()
    stale = subscribe(client, push_receiver.make_subscription()).get_json()["subscription"]
    fresh = subscribe(client, push_receiver.make_subscription()).get_json()["subscription"]
    now = utcnow()
    rows = {row.id: row for row in db_session.execute(select(PushSubscription)).scalars()}
    rows[stale["id"]].last_seen_at = rows[stale["id"]].created_at = now - 45 * DAY
    rows[fresh["id"]].last_seen_at = now - 31 * DAY
    rows[fresh["id"]].last_success_at = now - 2 * DAY
    db_session.commit()

    assert remove_dead_devices(db_session, now) == 1
    db_session.commit()
    remaining = [row.id for row in db_session.execute(select(PushSubscription)).scalars()]
    assert remaining == [fresh["id"]]
    [note] = client.get("/api/push/removed-devices").get_json()["removed_devices"]
    assert note["device_label"] == "A browser"
    assert datetime.fromisoformat(note["removed_at"]) == now
    assert client.delete("/api/push/removed-devices").status_code == 204
    assert client.get("/api/push/removed-devices").get_json() == {"removed_devices": []}
    assert db_session.execute(select(RemovedDevice)).first() is None


def test_replaces_must_be_a_row_id(client, auth, push_receiver):
    auth.register()
    for bad in (0, -1, 2**63, "seven"):
        answer = subscribe(client, push_receiver.make_subscription(), replaces=bad)
        assert answer.status_code == 400, bad
        assert answer.get_json()["error"]["code"] == "validation_error"


def test_the_scheduler_runs_the_cleanup_daily(app, client, auth, push_receiver):
    from apscheduler.schedulers.background import BackgroundScheduler

    from server.push.cleanup import JOB_ID, add_cleanup_job, run_cleanup

    scheduler = BackgroundScheduler(timezone="UTC")
    add_cleanup_job(scheduler, app)
    job = scheduler.get_job(JOB_ID)
    assert job.trigger.interval == DAY
    auth.register()
    subscribe(client, push_receiver.make_subscription())
    assert run_cleanup(app, utcnow() + 29 * DAY) == 0
    assert run_cleanup(app, utcnow() + 31 * DAY) == 1
    assert devices(client) == []
