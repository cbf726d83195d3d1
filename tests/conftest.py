"""Shared fixtures in the flaskr style: ``app``, ``client``, ``auth``, and personas.

Every test that uses ``app`` gets a freshly migrated database: a copy of a
migrated SQLite template, and — when ``TEND_TEST_DATABASE_URL`` is set — the
same test again on that PostgreSQL database, emptied after each test.
"""

from __future__ import annotations

import base64
import os
import shutil
from dataclasses import dataclass

import pytest
from alembic import command
from alembic.config import Config
from cryptography.hazmat.primitives.asymmetric import ec
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlmodel import Session, SQLModel

import server.models  # noqa: F401  (registers every table)
from server import create_app
from server.accounts.models import User
from server.accounts.passwords import hash_password
from server.db import make_engine
from server.push.service import close_sender

# The local push service's fixture (``push_receiver``) is shared by every test.
pytest_plugins = ["tests.push_receiver"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_URL = os.environ.get("TEND_TEST_DATABASE_URL", "").strip()
DATABASES = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
PASSWORD = "correct horse battery staple"
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def migrate(url: str) -> None:
    """Apply every Alembic migration to ``url``."""
    config = Config(os.path.join(ROOT, "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    """The test PostgreSQL database, reset and migrated once per run."""
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate(PG_URL)
    return PG_URL


def empty_postgres(url: str) -> None:
    """Remove every row so the next test starts clean."""
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """A migrated, empty database for one test: SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        path = tmp_path / "tend.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_migrated")
        yield url
        empty_postgres(url)


@pytest.fixture(scope="session")
def vapid_private_key() -> str:
    """One VAPID key for the whole run (generating keys is not what is under test)."""
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def app_config(database_url, tmp_path, vapid_private_key) -> dict:
    """The test configuration; tests may change it before asking for ``app``."""
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(instance),
        "TEND_DATABASE_URL": database_url,
        "TEND_PUBLIC_URL": "http://127.0.0.1:8000",
        "TEND_VAPID_PRIVATE_KEY": vapid_private_key,
        "TEND_VAPID_SUBJECT": "mailto:tests@example.org",
        "TEND_PUSH_EXTRA_HOSTS": [],
        "TEND_SCHEDULER": "off",
    }


@pytest.fixture
def app(app_config):
    """The Flask app on a fresh database."""
    application = create_app(app_config)
    yield application
    close_sender(application)
    application.extensions["tend.engine"].dispose()


@pytest.fixture
def push_app(app_config, push_receiver):
    """The app, allowed to push to the local receiver, with a fast-retrying sender."""
    from server.push import service as push_service
    from server.push.sender import PushSender
    from server.push.vapid import VapidSigner

    app_config["TEND_PUSH_EXTRA_HOSTS"] = [push_receiver.host]
    application = create_app(app_config)
    signer = VapidSigner(
        application.extensions["tend.vapid_key"], application.config["TEND_VAPID_SUBJECT"]
    )
    application.extensions[push_service.SENDER_KEY] = PushSender(
        signer, [push_receiver.host], backoff_base=0.05, backoff_cap=0.2
    )
    yield application
    close_sender(application)
    application.extensions["tend.engine"].dispose()


class ApiClient(FlaskClient):
    """A test client that sends the session's CSRF token on every change, like the PWA."""

    auto_csrf = True

    def open(self, *args, **kwargs):
        """Add X-CSRF-Token to mutating requests unless the test set one or turned it off."""
        method = (kwargs.get("method") or "GET").upper()
        headers = dict(kwargs.pop("headers", None) or {})
        if self.auto_csrf and method in MUTATING and "X-CSRF-Token" not in headers:
            token = super().open("/api/csrf", method="GET").get_json()["csrf_token"]
            headers["X-CSRF-Token"] = token
        return super().open(*args, headers=headers, **kwargs)


@pytest.fixture
def client(app):
    """A test client of ``app``."""
    app.test_client_class = ApiClient
    return app.test_client()


@pytest.fixture
def db_session(app):
    """A database session on the test database."""
    with Session(app.extensions["tend.engine"], expire_on_commit=False) as session:
        yield session


@dataclass
class Persona:
    """A registered test user."""

    id: int
    email: str
    password: str
    timezone: str


class AuthActions:
    """Register, sign in and out through the API, like the PWA does."""

    def __init__(self, client: ApiClient) -> None:
        self._client = client

    def register(self, email="alice@example.com", password=PASSWORD, timezone="Europe/Berlin"):
        """Create an account (signed in afterwards); returns the response."""
        body = {"email": email, "password": password, "timezone": timezone}
        return self._client.post("/api/auth/register", json=body)

    def login(self, email="alice@example.com", password=PASSWORD):
        """Sign in; returns the response."""
        return self._client.post("/api/auth/login", json={"email": email, "password": password})

    def logout(self):
        """Sign out; returns the response."""
        return self._client.post("/api/auth/logout")

    def as_user(self, persona: Persona):
        """Sign in as a persona; fails the test if that does not work."""
        response = self.login(persona.email, persona.password)
        assert response.status_code == 200, response.get_json()
        return response


@pytest.fixture
def auth(client) -> AuthActions:
    """The ``auth`` helper of the flaskr tutorial."""
    return AuthActions(client)


@pytest.fixture(scope="session")
def persona_password_hash() -> str:
    """One scrypt hash shared by the personas (hashing is slow on purpose)."""
    return hash_password(PASSWORD)


def make_persona(app, email: str, timezone: str, password_hash: str) -> Persona:
    """Insert a user directly in the database."""
    with Session(app.extensions["tend.engine"]) as session:
        user = User(email=email, password_hash=password_hash, timezone=timezone)
        session.add(user)
        session.commit()
        return Persona(id=user.id, email=email, password=PASSWORD, timezone=timezone)


@pytest.fixture
def alice(app, persona_password_hash) -> Persona:
    """Alice, a therapist in Berlin."""
    return make_persona(app, "alice@example.com", "Europe/Berlin", persona_password_hash)


@pytest.fixture
def bob(app, persona_password_hash) -> Persona:
    """Bob, a paramedic in Chicago."""
    return make_persona(app, "bob@example.com", "America/Chicago", persona_password_hash)


@pytest.fixture
def charlie(app, persona_password_hash) -> Persona:
    """Charlie, a caseworker in Kolkata (a zone without DST)."""
    return make_persona(app, "charlie@example.com", "Asia/Kolkata", persona_password_hash)
