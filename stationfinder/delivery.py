"""Deliver the outbox inside the web process, for ``make run``; production runs ``flask outbox work``.

With ``OUTBOX_IN_PROCESS`` the first request starts one daemon thread that runs ``units.deliver``
every ``OUTBOX_POLL_SECONDS``. It starts on a request, not in the factory, so making an app
(a test, a CLI command) never starts a thread.
"""

import logging
import threading
import time

from flask import Flask

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Start the delivery thread on the first request when OUTBOX_IN_PROCESS is set."""
    if not app.config["OUTBOX_IN_PROCESS"]:
        return
    lock = threading.Lock()
    started: list[threading.Thread] = []

    @app.before_request
    def _start_delivery():
        if started:
            return
        with lock:
            if not started:
                thread = threading.Thread(target=_run, args=(app,), name="outbox", daemon=True)
                thread.start()
                started.append(thread)


def _run(app: Flask) -> None:
    from stationfinder import units
    from stationfinder.extensions import db

    poll = app.config["OUTBOX_POLL_SECONDS"]
    while True:
        with app.app_context():
            try:
                units.deliver(limit=100)
            except Exception:
                # A database hiccup must not end delivery for the life of the process.
                db.session.rollback()
                log.exception("in-process outbox delivery failed; trying again in %s s", poll)
        time.sleep(poll)
