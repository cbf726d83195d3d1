"""Accounts that resist abuse: real client addresses, throttles counted before the
password work, sign-up limits, a slowed (never locked) account, registration modes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from server import create_app
from server.accounts.invites import code_hash, create_invites
from server.accounts.models import InviteCode, User
from server.accounts.throttle import ACCOUNT_RULE, PAIR_RULE, Counter, Rule, admit
from tests.conftest import PASSWORD, ApiClient

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
WRONG = "wrong password, sorry"


def make_app(app_config, **settings):
    """An app with extra settings; clients send CSRF tokens like the PWA."""
    app_config.update(settings)
    application = create_app(app_config)
    application.test_client_class = ApiClient
    return application


@pytest.fixture
def apps():
    """Apps made in a test, disposed after it."""
    made = []
    yield made
    for application in made:
        application.extensions["tend.engine"].dispose()


def client_at(application, address: str):
    """A client whose TCP peer address is ``address``."""
    client = application.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def login(client, email, password, **headers):
    return client.post(
        "/api/auth/login", json={"email": email, "password": password}, headers=headers
    )


# --- the pure rule ---------------------------------------------------------------------


def test_a_blocking_rule_refuses_past_its_limit_until_the_window_ends():
    rule = Rule(limit=2, window=timedelta(minutes=15))
    counter, wait = admit(None, rule, T0)
    assert wait == 0
    counter, wait = admit(counter, rule, T0 + timedelta(minutes=1))
    assert wait == 0
    counter, wait = admit(counter, rule, T0 + timedelta(minutes=5))
    assert wait == 10 * 60
    counter, wait = admit(counter, rule, T0 + timedelta(minutes=15))
    assert (wait, counter.failures) == (0, 1)


def test_the_account_rule_only_spaces_attempts_out():
    counter = Counter(failures=ACCOUNT_RULE.limit, window_started_at=T0)
    counter, first = admit(counter, ACCOUNT_RULE, T0 + timedelta(minutes=1))
    counter, second = admit(counter, ACCOUNT_RULE, T0 + timedelta(minutes=1, seconds=3))
    counter, third = admit(counter, ACCOUNT_RULE, T0 + timedelta(minutes=1, seconds=10))
    assert (first, second, third) == (0, 7, 0)
    assert ACCOUNT_RULE.spacing <= timedelta(seconds=10)


# --- client addresses --------------------------------------------------------------------


def test_forged_forwarded_for_without_a_proxy_changes_nothing(app_config, apps, alice):
    application = make_app(app_config)
    apps.append(application)
    attacker = client_at(application, "203.0.113.9")
    statuses = [
        login(attacker, alice.email, WRONG, **{"X-Forwarded-For": f"198.51.100.{i}"}).status_code
        for i in range(1, 9)
    ]
    assert statuses == [401] * PAIR_RULE.limit + [429] * 3
    # The owner, from her own address, is not locked out by it.
    owner = client_at(application, "192.0.2.44")
    assert login(owner, alice.email, PASSWORD).status_code == 200


def test_behind_a_trusted_proxy_each_client_is_counted_apart(app_config, apps, alice):
    application = make_app(app_config, TEND_TRUSTED_PROXIES=1)
    apps.append(application)
    proxy = client_at(application, "10.0.0.1")
    # The attacker adds a forged hop of their own; the proxy appends the real one.
    forged = {"X-Forwarded-For": "192.0.2.44, 203.0.113.9", "X-Forwarded-Proto": "https"}
    statuses = [login(proxy, alice.email, WRONG, **forged).status_code for _ in range(7)]
    assert statuses == [401] * PAIR_RULE.limit + [429] * 2
    owner = {"X-Forwarded-For": "192.0.2.44", "X-Forwarded-Proto": "https"}
    assert login(proxy, alice.email, PASSWORD, **owner).status_code == 200


def test_many_addresses_slow_an_account_but_never_lock_its_owner_out(app_config, apps, alice):
    application = make_app(app_config)
    apps.append(application)
    with time_machine.travel(T0, tick=False) as traveller:
        for i in range(ACCOUNT_RULE.limit + 1):
            attacker = client_at(application, f"203.0.113.{i + 1}")
            assert login(attacker, alice.email, WRONG).status_code == 401
        owner = client_at(application, "192.0.2.44")
        slowed = login(owner, alice.email, PASSWORD)
        assert slowed.status_code == 429
        assert 0 < int(slowed.headers["Retry-After"]) <= 10
        traveller.shift(int(slowed.headers["Retry-After"]))
        assert login(owner, alice.email, PASSWORD).status_code == 200


def guess_in_parallel(application, email: str, count: int) -> list[int]:
    """``count`` wrong passwords for ``email`` at the same instant from one address."""
    clients = []
    for _ in range(count):
        client = client_at(application, "203.0.113.9")
        client.auto_csrf = False
        clients.append((client, client.get("/api/csrf").get_json()["csrf_token"]))
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def guess(client, token) -> None:
        barrier.wait()
        response = login(client, email, WRONG, **{"X-CSRF-Token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.parametrize("kind", ["database", "memory"])
def test_concurrent_wrong_passwords_are_all_counted(app_config, apps, alice, kind):
    application = make_app(app_config, TEND_LOGIN_THROTTLE=kind)
    apps.append(application)
    statuses = guess_in_parallel(application, alice.email, 12)
    # Only as many as the limit ever reached the password check; the rest waited.
    assert sorted(statuses) == [401] * PAIR_RULE.limit + [429] * (12 - PAIR_RULE.limit)


def test_database_counters_are_shared_between_workers(app_config, apps, alice):
    workers = [make_app(dict(app_config), TEND_LOGIN_THROTTLE="database") for _ in range(2)]
    apps.extend(workers)
    clients = [client_at(worker, "203.0.113.9") for worker in workers]
    statuses = [login(clients[i % 2], alice.email, WRONG).status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]


# --- sign-up --------------------------------------------------------------------------


def sign_up(client, email, **extra):
    body = {"email": email, "password": PASSWORD, "timezone": "Europe/Berlin", **extra}
    return client.post("/api/auth/register", json=body)


def test_sign_ups_are_throttled_per_address(app_config, apps):
    application = make_app(app_config)
    apps.append(application)
    crowd = client_at(application, "203.0.113.9")
    statuses = [sign_up(crowd, f"bulk{i}@example.com").status_code for i in range(11)]
    assert statuses == [201] * 10 + [429]
    elsewhere = client_at(application, "192.0.2.44")
    assert sign_up(elsewhere, "nurse@example.com").status_code == 201


def test_sign_up_answers_the_recovery_code_once(client, db_session):
    response = sign_up(client, "dana@example.com")
    assert response.status_code == 201
    code = response.get_json()["recovery_code"]
    assert len(code.replace("-", "")) >= 32
    user = db_session.execute(select(User)).scalar_one()
    assert user.recovery_code_hash and code not in user.recovery_code_hash
    assert "recovery_code" not in client.get("/api/me").get_json()["user"]


def test_closed_registration_refuses_sign_up(app_config, apps):
    application = make_app(app_config, TEND_REGISTRATION="closed")
    apps.append(application)
    client = application.test_client()
    response = sign_up(client, "erin@example.com")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "registration_closed"
    options = client.get("/api/auth/options").get_json()
    assert options == {"registration": "closed", "email_reset": False}


def test_invite_codes_are_single_use_hashed_and_expire(app_config, apps):
    application = make_app(app_config, TEND_REGISTRATION="invite")
    apps.append(application)
    engine = application.extensions["tend.engine"]
    from sqlmodel import Session

    with Session(engine) as session:
        fresh, spare = create_invites(session, 2, T0, timedelta(days=14))
        (short,) = create_invites(session, 1, T0, timedelta(days=1))
        session.commit()
        stored = session.execute(select(InviteCode.code_hash)).scalars().all()
    assert code_hash(fresh) in stored and fresh not in stored

    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        client = application.test_client()
        missing = sign_up(client, "erin@example.com")
        assert missing.status_code == 403
        assert missing.get_json()["error"]["code"] == "invite_required"
        assert sign_up(client, "erin@example.com", invite_code="WRONG-CODE").status_code == 403
        assert sign_up(client, "erin@example.com", invite_code=short).status_code == 403
        # Typed in lower case with spaces, it still fits.
        typed = fresh.lower().replace("-", " ")
        assert sign_up(client, "erin@example.com", invite_code=typed).status_code == 201
        again = application.test_client()
        assert sign_up(again, "fred@example.com", invite_code=fresh).status_code == 403
        # A sign-up that fails (email taken) gives its code back.
        taken = application.test_client()
        assert sign_up(taken, "erin@example.com", invite_code=spare).status_code == 409
        assert sign_up(taken, "fred@example.com", invite_code=spare).status_code == 201


def test_the_invite_command_prints_codes_once_and_stores_hashes(app_config, apps):
    application = make_app(app_config, TEND_REGISTRATION="invite")
    apps.append(application)
    result = application.test_cli_runner().invoke(args=["tend", "invite", "--count", "3"])
    assert result.exit_code == 0, result.output
    codes = [line for line in result.stdout.splitlines() if line.count("-") == 3]
    assert len(set(codes)) == 3
    client = application.test_client()
    assert sign_up(client, "gail@example.com", invite_code=codes[1]).status_code == 201
    from sqlmodel import Session

    with Session(application.extensions["tend.engine"]) as session:
        rows = session.execute(select(InviteCode)).scalars().all()
    assert len(rows) == 3
    assert all(row.expires_at is not None for row in rows)
    assert sum(row.used_at is not None for row in rows) == 1
    assert not any(code in row.code_hash for row in rows for code in codes)


def test_old_database_counters_are_cleared_as_new_ones_come(app_config, apps, alice):
    application = make_app(app_config, TEND_LOGIN_THROTTLE="database")
    apps.append(application)
    with time_machine.travel(T0, tick=False) as traveller:
        login(client_at(application, "203.0.113.9"), alice.email, WRONG)
        traveller.shift(timedelta(days=2))
        login(client_at(application, "192.0.2.44"), "someone@example.com", WRONG)
    from server.accounts.models import LoginThrottle

    engine = application.extensions["tend.engine"]
    with engine.connect() as conn:
        keys = conn.execute(select(LoginThrottle.key)).scalars().all()
    assert keys and not any("203.0.113.9" in key for key in keys)


def test_the_sign_up_limit_can_be_raised_or_lifted(app_config, apps):
    from server.config import ConfigError, load_settings

    assert load_settings({})["TEND_SIGNUP_LIMIT"] == 10
    assert load_settings({"TEND_SIGNUP_LIMIT": "0"})["TEND_SIGNUP_LIMIT"] == 0
    with pytest.raises(ConfigError, match="TEND_SIGNUP_LIMIT"):
        load_settings({"TEND_SIGNUP_LIMIT": "-1"})
    application = make_app(app_config, TEND_SIGNUP_LIMIT=2)
    apps.append(application)
    crowd = client_at(application, "203.0.113.9")
    statuses = [sign_up(crowd, f"team{i}@example.com").status_code for i in range(3)]
    assert statuses == [201, 201, 429]
