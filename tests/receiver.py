"""A webhook receiver on 127.0.0.1 for tests: it records what it gets and answers from a script."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answer each POST with the next scripted status (then ``default``); ``hang`` holds requests."""

    statuses: list[int] = field(default_factory=list)
    default: int = 200
    answer: bytes = b'{"errcode": 0, "errmsg": "ok"}'
    received: list[Received] = field(default_factory=list)
    # While set, a request waits (up to 30 s) until ``release`` is set: a send in progress.
    hang: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Seconds each request takes, so concurrent senders would overlap if they could.
    delay: float = 0.0
    url: str = ""

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else self.default


def serve(receiver: Receiver):
    """Start a server for a receiver on 127.0.0.1; return (server, thread). Stop it with ``stop``."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            receiver.arrived.set()
            if receiver.hang.is_set():
                receiver.release.wait(30)
            if receiver.delay:
                receiver.release.wait(receiver.delay)
            status = receiver.next_status()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender was killed while this request was held

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = False
    server.block_on_close = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook?key=robot-key-123"
    return server, thread


def stop(receiver: Receiver, server, thread) -> None:
    """Release held requests, stop the server and wait for its threads."""
    receiver.release.set()
    server.shutdown()
    server.server_close()
    thread.join(10)
