"""The migrations build exactly the schema the models describe, on both databases."""

import os
import uuid

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from stationfinder import create_app
from stationfinder.models import Base
from tests.conftest import TEST_SECRET, _postgres_url


def _fresh_database(tmp_path):
    pg = _postgres_url()
    if pg is None:
        return f"sqlite:///{tmp_path / 'migrated.sqlite'}", {}, None
    schema = "m_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(pg)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    return pg, {"connect_args": {"options": f"-csearch_path={schema}"}}, (admin, schema)


def test_upgrade_matches_models(tmp_path):
    url, options, cleanup = _fresh_database(tmp_path)
    try:
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": url,
                "SQLALCHEMY_ENGINE_OPTIONS": options,
                "SECRET_KEY": TEST_SECRET,
            }
        )
        with app.app_context():
            upgrade()
            from stationfinder.extensions import db

            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                diff = compare_metadata(context, Base.metadata)
            db.engine.dispose()
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        if cleanup:
            admin, schema = cleanup
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def test_migrations_ship_with_the_package():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert os.path.isfile(os.path.join(root, "migrations", "env.py"))
