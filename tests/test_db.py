"""Engine set-up: each SQLite connection gets WAL, a busy timeout, foreign keys and memory-mapped reads."""

from stationfinder import create_app
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
        "mmap_size": 268435456,
    }
