"""Fixtures: ``app``, ``client`` and ``runner`` on SQLite, or PostgreSQL via TEST_DATABASE_URL.

On PostgreSQL each test session works in a schema of its own, so parallel runs
against the same database never see each other's rows.
"""

import os
import uuid

import pytest
import sqlalchemy as sa

from stationfinder import create_app
from stationfinder.extensions import db
from stationfinder.models import Base

TEST_SECRET = "test-secret-key-0123456789abcdef"


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url or url.startswith("sqlite"):
        return None
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """Create an empty schema for the session and return (url, engine options)."""
    pg = _postgres_url()
    if pg is None:
        path = tmp_path_factory.mktemp("db") / "test.sqlite"
        url, options = f"sqlite:///{path}", {}
        engine = sa.create_engine(url)
    else:
        schema = "t_" + uuid.uuid4().hex[:12]
        admin = sa.create_engine(pg)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = pg
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        engine = sa.create_engine(pg, **options)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield {"url": url, "engine_options": options, "backend": "sqlite" if pg is None else "postgresql"}
    if pg is not None:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_config(database, **overrides) -> dict:
    """Return a test configuration on the session's database."""
    config = {
        "TESTING": True,
        "DATABASE_URL": database["url"],
        "SQLALCHEMY_ENGINE_OPTIONS": dict(database["engine_options"]),
        "SECRET_KEY": TEST_SECRET,
        "PUBLIC_BASE_URL": "http://sf.test",
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": None,
        "INDEX_REFRESH_SECONDS": 0.0,
    }
    config.update(overrides)
    return config


def _wipe(app) -> None:
    with app.app_context():
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(
                    sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
                )
            else:
                for table in tables:
                    conn.execute(sa.text(f'DELETE FROM "{table}"'))
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_factory(database):
    """Return a function that makes apps on the session database; rows are wiped afterwards."""
    made = []

    def make(**overrides):
        app = create_app(make_config(database, **overrides))
        made.append(app)
        return app

    yield make
    if made:
        _wipe(made[0])
        for other in made[1:]:
            with other.app_context():
                db.engine.dispose()


@pytest.fixture
def app(app_factory):
    """Return an app on a clean database."""
    return app_factory()


@pytest.fixture
def client(app):
    """Return a test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Return a CLI runner."""
    return app.test_cli_runner()
