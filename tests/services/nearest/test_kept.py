"""Kept shaped stations: exact JSON bytes, a new dict per read, least recently answered out first."""

import threading
import tracemalloc

from stationfinder.services.nearest.kept import KeptStations


def station(i: int) -> dict:
    nav = {"amap": f"https://uri.amap.com/navigation?to={i}"}
    return {"id": i, "name": f"驿站 {i}", "nav": nav, "lat": 26.5}


def test_reads_give_equal_new_dicts():
    kept = KeptStations(4)
    kept.put(1, station(1))
    first, second = kept.get(1), kept.get(1)
    assert first == second == station(1)
    first["nav"]["amap"] = "changed"
    assert kept.get(1) == station(1)
    assert kept.get(2) is None


def test_json_is_kept_at_its_exact_size():
    # orjson's own bytes object keeps its whole output buffer: kept as they are, 200 stations of
    # about 1.4 KB took about 4 KB each.
    big = [dict(station(i), address="某省某市某区某街道 " * 40) for i in range(200)]
    kept = KeptStations(200)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i, s in enumerate(big):
            kept.put(i, s)
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    json_bytes = sum(len(raw) for raw in kept._items.values())
    assert json_bytes > 200 * 1000
    assert used < json_bytes * 1.3


def test_the_least_recently_answered_make_room():
    kept = KeptStations(3)
    for i in (1, 2, 3):
        kept.put(i, station(i))
    assert kept.get(1) is not None  # 1 is now the most recent
    kept.put(4, station(4))
    assert kept.get(2) is None
    assert [kept.get(i) is not None for i in (1, 3, 4)] == [True, True, True]
    assert len(kept) == 3


def test_threads_sharing_it_never_fail_and_never_exceed_the_size():
    kept = KeptStations(50)
    failures = []

    def work(offset: int) -> None:
        try:
            for i in range(2000):
                row = (i * 7 + offset) % 120
                if kept.get(row) is None:
                    kept.put(row, station(row))
        except Exception as error:  # noqa: BLE001 - any failure is the test's finding
            failures.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(kept) <= 50
