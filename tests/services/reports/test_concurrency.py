"""Two riders reporting one problem at once make one ticket with two confirmations, on either database.

On PostgreSQL the second insert waits for the first transaction and then hits the unique
``open_key``; on SQLite the second writer waits for the write lock. Either way it merges.
"""

import threading
import time
from collections import Counter

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Report, ReportConfirmation
from stationfinder.services import reports
from tests.factories import StationFactory


def station_id(app) -> int:
    with app.app_context():
        station = StationFactory(region_code="520103")
        db.session.commit()
        return station.id


def tickets(app) -> list[tuple[int, int]]:
    with app.app_context():
        rows = db.session.execute(sa.select(Report.id, Report.confirmations)).all()
        confirmations = db.session.scalar(sa.select(sa.func.count()).select_from(ReportConfirmation))
        return [tuple(row) for row in rows], confirmations


def test_a_report_filed_while_the_first_is_uncommitted_merges_into_it(app):
    sid = station_id(app)
    inserted, results, failures = threading.Event(), {}, []

    def first():
        try:
            with app.app_context():
                report, merged = reports.file_report(
                    "station", "no_water", station_id=sid, device_id="rider-1"
                )
                results["first"] = (report.code, merged)
                inserted.set()
                time.sleep(0.5)  # the ticket exists, uncommitted, while the second rider files
                results["committed"] = time.monotonic()
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
            inserted.set()

    def second():
        try:
            assert inserted.wait(10)
            with app.app_context():
                report, merged = reports.file_report(
                    "station", "no_water", station_id=sid, device_id="rider-2"
                )
                results["second"] = (report.code, merged, report.confirmations)
                results["merged_at"] = time.monotonic()
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures, failures
    code, merged = results["first"]
    assert not merged
    assert results["second"] == (code, True, 2)
    # It could only merge once the first was committed: it waited rather than opening a second ticket.
    assert results["merged_at"] >= results["committed"]
    (ticket,), confirmations = tickets(app)
    assert ticket[1] == 2 and confirmations == 2


def test_riders_posting_at_the_same_moment_make_one_ticket(app):
    sid = station_id(app)
    riders = 8
    barrier = threading.Barrier(riders)
    answers = []

    def post(n: int):
        client = app.test_client()
        barrier.wait(10)
        response = client.post(
            "/api/v1/reports",
            json={"kind": "station", "category": "no_water", "station_id": sid, "device_id": f"rider-{n}"},
        )
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=post, args=(n,)) for n in range(riders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert Counter(status for status, _ in answers) == {201: 1, 200: riders - 1}, answers
    assert len({body["report"]["code"] for _, body in answers}) == 1
    assert all(body["merged"] is (status == 200) for status, body in answers)
    (ticket,), confirmations = tickets(app)
    assert ticket[1] == riders and confirmations == riders
