"""Webhook sending: a pinned, checked address, no redirects, a total timeout, against servers on loopback."""

import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import trustme

from stationfinder.services.webhooks import destinations
from stationfinder.services.webhooks.sending import MAX_RESPONSE_BYTES, USER_AGENT, Result, post

SECRET = "robot-key-0123456789"
LOOPBACK = {"127.0.0.1", "127.0.0.2", "::1"}


class Server(HTTPServer):
    """A one-thread HTTP server on 127.0.0.1 that records requests and answers through respond."""

    def __init__(self, respond):
        self.respond = respond
        self.seen: list[dict] = []
        self.errors: list[BaseException] = []
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        # The client hangs up on purpose in the timeout and size tests.
        if not isinstance(error, ConnectionError | ssl.SSLError | TimeoutError):
            self.errors.append(error)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.server.seen.append({"path": self.path, "headers": self.headers, "body": self.rfile.read(length)})
        self.server.respond(self)

    def log_message(self, format, *args):
        pass


def answer(status: int, body: bytes = b"", **headers: str):
    """Return a responder that sends status, headers and body."""

    def respond(handler):
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return respond


@pytest.fixture
def serve():
    """Start servers on 127.0.0.1; stop them, join their threads and close their sockets afterwards."""
    running = []

    def start(respond, tls: ssl.SSLContext | None = None) -> Server:
        server = Server(respond)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        running.append((server, thread))
        return server

    yield start
    for server, thread in running:
        server.release.set()
        server.shutdown()
        thread.join()
        server.server_close()
        assert not server.errors


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail any test that would look up a name or connect anywhere but loopback."""
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        if host not in LOOPBACK:
            raise AssertionError(f"a test tried to reach {host}")
        return real(host, *args, **kwargs)

    def forbidden(host, port):
        raise AssertionError(f"the system resolver was asked for {host}")

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    monkeypatch.setattr(destinations, "resolve_system", forbidden)


def robot(*addresses: str):
    """Return a resolver that maps robot.example to addresses."""

    def resolve(host, port):
        assert host == "robot.example"
        return list(addresses)

    return resolve


def send(url: str, **options) -> Result:
    options = {"allow_private": True, "allow_http": True, "timeout": 10.0, **options}
    return post(url, b'{"msgtype":"text"}', {"Content-Type": "application/json"}, **options)


def test_200_is_ok_and_the_body_comes_back(serve):
    server = serve(answer(200, b'{"errcode":0,"errmsg":"ok"}', Content_Type="application/json"))
    result = send(f"http://127.0.0.1:{server.port}/cgi-bin/webhook/send?key={SECRET}")
    assert result == Result(ok=True, status=200, body=b'{"errcode":0,"errmsg":"ok"}', error="")
    [request] = server.seen
    assert request["path"] == f"/cgi-bin/webhook/send?key={SECRET}"
    assert request["body"] == b'{"msgtype":"text"}'
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["User-Agent"] == USER_AGENT


def test_500_is_not_ok(serve):
    server = serve(answer(500, b"boom"))
    result = send(f"http://127.0.0.1:{server.port}/hook?key={SECRET}")
    assert (result.ok, result.status, result.body) == (False, 500, b"boom")
    assert result.error == "HTTP 500"


def test_a_redirect_is_not_followed(serve):
    def respond(handler):
        if handler.path.startswith("/hook"):
            answer(302, Location=f"http://127.0.0.1:{handler.server.port}/elsewhere")(handler)
        else:
            answer(200)(handler)

    server = serve(respond)
    result = send(f"http://127.0.0.1:{server.port}/hook?key={SECRET}")
    assert (result.ok, result.status) == (False, 302)
    assert "redirect" in result.error
    assert [request["path"] for request in server.seen] == [f"/hook?key={SECRET}"]


def test_the_name_is_pinned_to_the_checked_address_and_sent_as_host(serve):
    server = serve(answer(200, b"{}"))
    result = send(
        f"http://robot.example:{server.port}/hook?key={SECRET}",
        resolve=robot("127.0.0.1"),
    )
    assert result.ok
    # The server listens on 127.0.0.1 only, and the guard refuses to look robot.example up.
    [request] = server.seen
    assert request["headers"]["Host"] == f"robot.example:{server.port}"


def test_the_caller_cannot_set_the_host_header(serve):
    server = serve(answer(200))
    post(
        f"http://robot.example:{server.port}/hook",
        b"{}",
        {"Host": "elsewhere.example", "User-Agent": "custom/2"},
        allow_private=True,
        allow_http=True,
        resolve=robot("127.0.0.1"),
    )
    [request] = server.seen
    assert request["headers"].get_all("Host") == [f"robot.example:{server.port}"]
    assert request["headers"]["User-Agent"] == "custom/2"


def test_dns_rebinding_is_refused_at_send_time(serve):
    server = serve(answer(200))
    url = f"http://robot.example:{server.port}/hook?key={SECRET}"
    # When staff saved it, the name pointed somewhere public.
    assert destinations.check(url, allow_http=True, resolve=robot("93.184.215.14"))
    result = post(url, b"{}", {}, allow_http=True, resolve=robot("127.0.0.1"))
    assert result == Result(ok=False, status=None, body=b"", error=result.error)
    assert result.error.startswith("refused (private)")
    assert SECRET not in result.error
    assert server.seen == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"https://169.254.169.254/latest?key={SECRET}", "metadata"),
        (f"http://127.0.0.1:1/hook?key={SECRET}", "scheme"),
        (f"https://nowhere.invalid/?key={SECRET}", "unresolvable"),
    ],
)
def test_refusals_are_results_not_exceptions(url, reason):
    def resolve(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    result = post(url, b"{}", {}, resolve=resolve)
    assert (result.ok, result.status) == (False, None)
    assert result.error.startswith(f"refused ({reason})")
    assert SECRET not in result.error


def test_a_slow_server_times_out(serve):
    def respond(handler):
        handler.server.release.wait(30)

    server = serve(respond)
    started = time.monotonic()
    result = send(f"http://127.0.0.1:{server.port}/hook?key={SECRET}", timeout=0.3)
    assert time.monotonic() - started < 10
    assert (result.ok, result.status) == (False, None)
    assert result.error == "timed out waiting for the response"
    assert SECRET not in result.error


def test_a_body_that_never_ends_stops_at_the_deadline(serve):
    def respond(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"x" * 10)
        handler.wfile.flush()
        handler.server.release.wait(30)

    server = serve(respond)
    started = time.monotonic()
    result = send(f"http://127.0.0.1:{server.port}/hook", timeout=0.5)
    assert time.monotonic() - started < 10
    assert (result.ok, result.status) == (False, 200)
    assert result.error == "timed out reading the response body"


def test_a_large_response_is_cut_at_4_kib(serve):
    server = serve(answer(200, b"y" * (MAX_RESPONSE_BYTES * 64)))
    result = send(f"http://127.0.0.1:{server.port}/hook")
    assert result.ok
    assert result.body == b"y" * MAX_RESPONSE_BYTES


def test_a_refused_connection_is_an_error(serve):
    server = serve(answer(200))
    port = server.port
    server.shutdown()  # the fixture's second shutdown and close are harmless
    server.server_close()
    result = send(f"http://robot.example:{port}/hook?key={SECRET}", resolve=robot("127.0.0.1"))
    assert (result.ok, result.status) == (False, None)
    assert result.error == "could not connect to 127.0.0.1"


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux routes all of 127.0.0.0/8 to loopback")
def test_the_next_address_is_tried_when_a_connection_fails(serve):
    server = serve(answer(200))
    result = send(f"http://robot.example:{server.port}/hook", resolve=robot("127.0.0.2", "127.0.0.1"))
    assert result.ok
    assert len(server.seen) == 1


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def tls_server(serve, ca, name: str) -> Server:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    names: list[str | None] = []
    context.sni_callback = lambda sock, server_name, ctx: names.append(server_name)
    server = serve(answer(200, b'{"errcode":0}'), tls=context)
    server.sni = names
    return server


def trusting(ca) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_https_is_pinned_with_sni_and_a_verified_name(serve, ca):
    server = tls_server(serve, ca, "robot.example")
    result = post(
        f"https://robot.example:{server.port}/hook?key={SECRET}",
        b"{}",
        {},
        allow_private=True,
        resolve=robot("127.0.0.1"),
        ssl_context=trusting(ca),
    )
    assert result == Result(ok=True, status=200, body=b'{"errcode":0}', error="")
    assert server.sni == ["robot.example"]
    assert server.seen[0]["headers"]["Host"] == f"robot.example:{server.port}"


def test_https_refuses_a_certificate_for_another_name(serve, ca):
    server = tls_server(serve, ca, "other.example")
    result = post(
        f"https://robot.example:{server.port}/hook?key={SECRET}",
        b"{}",
        {},
        allow_private=True,
        resolve=robot("127.0.0.1"),
        ssl_context=trusting(ca),
    )
    assert (result.ok, result.status) == (False, None)
    assert result.error.startswith("TLS failed to 127.0.0.1")
    assert SECRET not in result.error
    assert server.seen == []


def test_https_refuses_an_untrusted_certificate(serve, ca):
    server = tls_server(serve, ca, "robot.example")
    result = post(
        f"https://robot.example:{server.port}/hook?key={SECRET}",
        b"{}",
        {},
        allow_private=True,
        resolve=robot("127.0.0.1"),
    )
    assert (result.ok, result.status) == (False, None)
    assert result.error.startswith("TLS failed to 127.0.0.1")
    assert server.seen == []


def test_a_header_with_a_line_break_is_not_sent(serve):
    server = serve(answer(200))
    result = post(
        f"http://127.0.0.1:{server.port}/hook",
        b"{}",
        {"X-Signature": "abc\r\nX-Injected: 1"},
        allow_private=True,
        allow_http=True,
    )
    assert (result.ok, result.status) == (False, None)
    assert result.error == "a header or the body cannot be sent"
    assert server.seen == []
