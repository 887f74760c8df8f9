"""The per-worker cache: a size bound, invalidation by the stations dataset version, per-app stores."""

import threading
import time

import pytest
from flask import Flask

from stationfinder import caching
from stationfinder.caching import WorkerCache
from stationfinder.services import dataset


@pytest.fixture
def version(monkeypatch):
    """Return the stations dataset version the caches see, as a mutable [version]; count its reads."""
    seen = {"version": 1, "reads": 0}

    def current():
        seen["reads"] += 1
        return seen["version"]

    monkeypatch.setattr(dataset, "current", current)
    return seen


def make_app(cache: WorkerCache, **config) -> Flask:
    app = Flask(__name__)
    app.config.update(config)
    cache.init_app(app)
    return app


class Counter:
    """A computation that counts its calls and returns the call number."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.calls


def test_a_value_is_kept_while_the_version_holds(version):
    cache = WorkerCache("t", maxsize=4)
    compute = Counter()
    with make_app(cache).app_context():
        assert [cache.get("k", compute) for _ in range(3)] == [1, 1, 1]
        version["version"] = 2
        assert cache.get("k", compute) == 2
        assert cache.get("k", compute) == 2


def test_nothing_is_kept_at_version_zero(version):
    version["version"] = 0
    cache = WorkerCache("t", maxsize=4)
    compute = Counter()
    with make_app(cache).app_context():
        assert [cache.get("k", compute) for _ in range(3)] == [1, 2, 3]


def test_the_least_recently_used_value_goes_first(version):
    cache = WorkerCache("t", maxsize=2)
    with make_app(cache).app_context():
        cache.get("a", lambda: "A")
        cache.get("b", lambda: "B")
        cache.get("a", lambda: "A again")  # a hit: "a" is now the most recent
        cache.get("c", lambda: "C")
        assert list(cache.store().entries) == ["a", "c"]
        assert cache.get("b", lambda: "B again") == "B again"
        assert len(cache.store().entries) == 2


def test_keep_decides_which_values_are_kept(version):
    cache = WorkerCache("t", maxsize=4)
    compute = Counter()
    with make_app(cache).app_context():
        assert [cache.get("k", compute, keep=lambda n: n >= 3) for _ in range(5)] == [1, 2, 3, 3, 3]


def test_the_version_is_read_at_most_every_refresh_seconds(version, monkeypatch):
    clock = {"now": 1000.0}
    monkeypatch.setattr(caching.time, "monotonic", lambda: clock["now"])
    cache = WorkerCache("t", maxsize=4, refresh_seconds="REFRESH")
    compute = Counter()
    with make_app(cache, REFRESH=5).app_context():
        assert cache.get("k", compute) == 1
        version["version"] = 2
        clock["now"] += 4.9
        assert [cache.get("k", compute) for _ in range(3)] == [1, 1, 1]
        assert version["reads"] == 1
        clock["now"] += 0.1
        assert cache.get("k", compute) == 2
        assert version["reads"] == 2


def test_refresh_zero_reads_the_version_on_every_call(version):
    cache = WorkerCache("t", maxsize=4, refresh_seconds=0)
    with make_app(cache).app_context():
        for _ in range(3):
            cache.get("k", lambda: "v")
    assert version["reads"] == 3


def test_an_unversioned_cache_never_reads_the_version(monkeypatch):
    def no_reads():
        raise AssertionError("read the dataset version")

    monkeypatch.setattr(dataset, "current", no_reads)
    cache = WorkerCache("t", maxsize=2, refresh_seconds=None)
    compute = Counter()
    with make_app(cache).app_context():
        assert [cache.get("k", compute) for _ in range(2)] == [1, 1]
        cache.forget("k")
        assert cache.get("k", compute) == 2
        cache.clear()
        assert cache.get("k", compute) == 3


def test_each_app_has_a_store_of_its_own(version):
    cache = WorkerCache("t", maxsize=4)
    one, two = make_app(cache), make_app(cache)
    with one.app_context():
        assert cache.get("k", lambda: "one") == "one"
    with two.app_context():
        assert cache.get("k", lambda: "two") == "two"
    cache.clear(two)
    with one.app_context():
        assert cache.get("k", lambda: "again") == "one"
    assert cache.store(one) is not cache.store(two)


def test_while_one_thread_recomputes_the_others_answer_from_the_previous_value(version):
    cache = WorkerCache("t", maxsize=4)
    app = make_app(cache)
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        assert release.wait(5)
        return "new"

    with app.app_context():
        assert cache.get("k", lambda: "old") == "old"
    version["version"] = 2
    answers = []

    def rebuild():
        with app.app_context():
            answers.append(cache.get("k", slow))

    builder = threading.Thread(target=rebuild)
    builder.start()
    assert started.wait(5)
    with app.app_context():
        # Not blocked, and not computed a second time.
        assert cache.get("k", lambda: pytest.fail("computed twice")) == "old"
    release.set()
    builder.join(5)
    with app.app_context():
        assert answers == ["new"] and cache.get("k", lambda: "newer") == "new"


def test_a_missing_value_is_computed_once_while_others_wait(version):
    cache = WorkerCache("t", maxsize=4)
    app = make_app(cache)
    compute, gate = Counter(), threading.Barrier(4)
    answers = []

    def slow():
        time.sleep(0.05)  # long enough for the other threads to ask meanwhile
        return compute()

    def ask():
        with app.app_context():
            gate.wait(5)
            answers.append(cache.get("k", slow))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert answers == [1, 1, 1, 1] and compute.calls == 1
