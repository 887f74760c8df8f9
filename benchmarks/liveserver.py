"""A real gunicorn serving the app on a free loopback port, and a small keep-alive load generator.

Used by the check-in benchmark and by the concurrency and rate-limit tests, which
need several worker processes sharing one database (and one Redis), as in production.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from benchmarks.harness import ROOT, children, cpu_seconds

GUNICORN = Path(sys.executable).with_name("gunicorn")
_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
_BOOTING = re.compile(r"Booting worker with pid")


def app_from_env():
    """Return an app built from the JSON mapping in SF_TEST_CONFIG (gunicorn entry for tests)."""
    from stationfinder import create_app

    return create_app(json.loads(os.environ["SF_TEST_CONFIG"]))


class Gunicorn:
    """Run gunicorn with N workers on 127.0.0.1 (a port the OS picks) until stopped."""

    def __init__(self, *, workers=4, threads=1, env=None, config=None, app="stationfinder:create_app()"):
        self.workers = workers
        self.threads = threads
        self.env = dict(os.environ, **(env or {}))
        if config is not None:
            self.env["SF_TEST_CONFIG"] = json.dumps(config)
            app = "benchmarks.liveserver:app_from_env()"
        self.app = app
        self.port: int | None = None
        self._proc: subprocess.Popen | None = None
        handle, name = tempfile.mkstemp(prefix="gunicorn-", suffix=".log")
        os.close(handle)
        self._log = Path(name)

    def start(self, timeout: float = 60.0) -> "Gunicorn":
        """Start the server and wait until every worker answers."""
        cmd = [str(GUNICORN), "--bind", "127.0.0.1:0", "--workers", str(self.workers)]
        if self.threads > 1:
            cmd += ["--worker-class", "gthread", "--threads", str(self.threads)]
        cmd += ["--error-logfile", str(self._log), "--log-level", "info", "--graceful-timeout", "5"]
        cmd += ["--chdir", str(ROOT), self.app]
        self._proc = subprocess.Popen(cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self._proc.returncode}:\n{self.log()}")
            text = self.log()
            found = _LISTENING.search(text)
            if found and len(_BOOTING.findall(text)) >= self.workers:
                self.port = int(found.group(1))
                if self._answers():
                    self._warm(deadline)
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not come up in {timeout} s:\n{self.log()}")

    def _answers(self) -> bool:
        try:
            status, _ = request(self.connection(), "GET", "/api/v1/openapi.json")
        except OSError:
            return False
        return status == 200

    def _warm(self, deadline: float) -> None:
        # Each worker builds its app lazily on import; a burst over fresh connections reaches all of them.
        paths = ["/api/v1/openapi.json"] * (self.workers * 8)
        run_load(self.port, [("GET", p, None) for p in paths], concurrency=self.workers * 2)

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) the master and its workers have used so far."""
        return sum(cpu_seconds(pid) for pid in [self._proc.pid, *children(self._proc.pid)])

    def connection(self) -> http.client.HTTPConnection:
        """Return a new keep-alive connection to the server."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def log(self) -> str:
        """Return what gunicorn has logged so far."""
        return self._log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Stop the server and its workers."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.unlink(missing_ok=True)

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def request(conn: http.client.HTTPConnection, method: str, path: str, body=None, headers=None):
    """Send one request on a connection and return (status, parsed JSON body or None)."""
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} if data is not None else {}
    sent.update(headers or {})
    conn.request(method, path, body=data, headers=sent)
    response = conn.getresponse()
    raw = response.read()
    if response.will_close:
        conn.close()  # http.client reconnects on the next request.
    kind = response.getheader("Content-Type", "")
    return response.status, (json.loads(raw) if raw and "json" in kind else None)


def run_load(port: int, jobs: Iterable[tuple[str, str, dict | None]], concurrency: int, barrier=False):
    """Send every (method, path, body) job from `concurrency` threads; return [(status, body, seconds)].

    With barrier=True all threads start their first request at the same instant.
    """
    jobs = list(jobs)
    results: list = [None] * len(jobs)
    cursor = iter(range(len(jobs)))
    lock = threading.Lock()
    gate = threading.Barrier(concurrency) if barrier else None

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.connect()
        if gate is not None:
            gate.wait()
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            method, path, body = jobs[index]
            started = time.perf_counter()
            try:
                status, payload = request(conn, method, path, body)
            except (OSError, http.client.HTTPException) as exc:
                status, payload = None, repr(exc)
                conn.close()
            results[index] = (status, payload, time.perf_counter() - started)
        conn.close()

    _run_threads(worker, concurrency)
    return results


def _run_threads(worker, count: int) -> None:
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _http(method: str, path: str, body: dict | None) -> bytes:
    data = b"" if body is None else json.dumps(body).encode()
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += f"Content-Length: {len(data)}\r\n"
    if body is not None:
        head += "Content-Type: application/json\r\n"
    return head.encode() + b"\r\n" + data


def blast(port: int, jobs: Iterable[tuple[str, str, dict | None]], concurrency: int) -> list:
    """Send every (method, path, body) job from `concurrency` threads; return [(status or None, seconds)].

    The load generator of the throughput benchmark. Each request is prepared
    bytes on a connection of its own, as each rider's phone is, read to the end
    on a plain socket and not parsed beyond its status: about a quarter of
    ``run_load``'s CPU per request, which matters because the server shares
    this machine's cores with it.
    """
    requests = [_http(method, path, body) for method, path, body in jobs]
    results: list = [None] * len(requests)
    cursor = iter(range(len(requests)))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            started = time.perf_counter()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
                    conn.sendall(requests[index])
                    answer = b"".join(iter(lambda: conn.recv(65536), b""))
                status = int(answer[9:12])
            except (OSError, ValueError):
                status = None
            results[index] = (status, time.perf_counter() - started)

    _run_threads(worker, concurrency)
    return results
