"""Engine set-up: each SQLite connection gets WAL, a busy timeout, foreign keys and memory-mapped reads."""

import pytest

from stationfinder import create_app
from stationfinder.db import MMAP_SIZE, unmapped
from stationfinder.extensions import db


def test_sqlite_connections_are_tuned_for_concurrent_writers_and_big_reads(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/tuned.sqlite"})
    with app.app_context():
        with db.engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous", "mmap_size")
            }
        db.engine.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "busy_timeout": 30000,
        "foreign_keys": 1,
        "synchronous": 1,  # NORMAL: safe with WAL, one fsync per checkpoint rather than per commit
        "mmap_size": MMAP_SIZE,
    }


def test_unmapped_reads_without_the_memory_map_and_restores_it(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/scan.sqlite"})
    with app.app_context():
        with db.engine.connect() as conn:
            with unmapped(conn):
                inside = conn.exec_driver_sql("PRAGMA mmap_size").scalar()
                assert conn.exec_driver_sql("SELECT 1").scalar() == 1
            after = conn.exec_driver_sql("PRAGMA mmap_size").scalar()
            with pytest.raises(ZeroDivisionError), unmapped(conn):
                conn.exec_driver_sql("SELECT 1")
                raise ZeroDivisionError
            after_error = conn.exec_driver_sql("PRAGMA mmap_size").scalar()
        db.engine.dispose()
    assert (inside, after, after_error) == (0, MMAP_SIZE, MMAP_SIZE)


def test_unmapped_reads_on_the_test_database(app):
    # PostgreSQL in the PostgreSQL run, where it sends nothing; a SQLite file in the other.
    with app.app_context(), db.engine.connect() as conn:
        with unmapped(conn):
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == MMAP_SIZE
