"""Engine set-up per backend: SQLite gets WAL, a busy timeout and real transactions."""

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from stationfinder.extensions import db

# Execution option that makes a SQLite transaction take the write lock at BEGIN,
# so two writers never both read-then-write (no lost updates, no deadlock retry).
IMMEDIATE = {"sqlite_immediate": True}


def init_app(app: Flask) -> None:
    """Tune each engine once it exists."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # pysqlite's own transaction handling defers BEGIN unpredictably; take control.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA mmap_size=268435456")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
