"""POST a webhook body to a checked, pinned address, with no redirects, no retries and a total timeout.

``post`` checks the URL again (the name may resolve elsewhere now: DNS rebinding), then connects to
one of the addresses that passed, never letting the HTTP library resolve the name itself. TLS still
sends the original host name (SNI) and verifies the certificate against it. It never raises for a
refusal or a network failure: the caller (the outbox worker) gets a ``Result`` and decides.
"""

import ssl
import time
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from stationfinder.services.webhooks import destinations

USER_AGENT = "stationfinder-webhook/1"
MAX_RESPONSE_BYTES = 4096
# The caller may not set these: they belong to the pinned connection and the body we send.
_RESERVED_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


@dataclass(frozen=True)
class Result:
    """What became of one POST: ``ok`` for a 2xx status, ``error`` a short English reason otherwise."""

    ok: bool
    status: int | None = None
    body: bytes = b""  # at most MAX_RESPONSE_BYTES of the response
    error: str = ""  # never holds the URL's query string, which is a WeCom robot's key


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool = False,
    allow_http: bool = False,
    timeout: float = 10.0,
    resolve: destinations.Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> Result:
    """POST body to url and return what the server answered, within timeout seconds in all."""
    deadline = time.monotonic() + timeout
    try:
        dest = destinations.check(url, allow_private=allow_private, allow_http=allow_http, resolve=resolve)
    except destinations.Refused as refused:
        return Result(ok=False, error=f"refused ({refused.reason}): {refused}")
    sent_headers = {"User-Agent": USER_AGENT}
    sent_headers.update({k: v for k, v in headers.items() if k.lower() not in _RESERVED_HEADERS})
    sent_headers.update({"Host": dest.authority, "Connection": "close"})
    error = "no address to connect to"
    # Trying the next address is safe only while nothing has been sent: a failed connect, never a
    # failed request, or the receiver could get the message twice.
    for index, address in enumerate(dest.addresses):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Result(ok=False, error="timed out")
        # Share the connect time among the addresses left, so that one black hole cannot use it all.
        limit = urllib3.Timeout(total=remaining, connect=remaining / (len(dest.addresses) - index))
        with _pool(dest, address, ssl_context) as pool:
            try:
                response = pool.urlopen(
                    "POST",
                    dest.target,
                    body=body,
                    headers=sent_headers,
                    retries=False,
                    redirect=False,
                    assert_same_host=False,
                    timeout=limit,
                    preload_content=False,
                    decode_content=False,
                )
            except (ConnectTimeoutError, NewConnectionError) as failure:
                error = _describe(failure, address)
                continue
            except (HTTPError, OSError, ValueError) as failure:
                return Result(ok=False, error=_describe(failure, address))
            try:
                return _finish(response, deadline)
            finally:
                response.close()
    return Result(ok=False, error=error)


def _pool(
    dest: destinations.Destination, address: str, ssl_context: ssl.SSLContext | None
) -> urllib3.HTTPConnectionPool:
    """Return a one-connection pool that connects to address and nowhere else."""
    if dest.scheme == "http":
        return urllib3.HTTPConnectionPool(address, dest.port, maxsize=1, retries=False)
    return urllib3.HTTPSConnectionPool(
        address,
        dest.port,
        maxsize=1,
        retries=False,
        # SNI and the certificate check use the name from the URL, not the address we dialled.
        server_hostname=dest.host,
        cert_reqs="CERT_REQUIRED",
        ssl_context=ssl_context or ssl.create_default_context(),
    )


def _finish(response: urllib3.BaseHTTPResponse, deadline: float) -> Result:
    """Return the Result for a response whose status line has arrived, reading at most 4 KiB of its body."""
    status = response.status
    try:
        body = _read_capped(response, deadline)
    except (HTTPError, OSError) as failure:
        timed_out = isinstance(failure, ReadTimeoutError | TimeoutError)
        error = "timed out reading the response body" if timed_out else "the response body broke off"
        return Result(ok=False, status=status, error=error)
    if 200 <= status < 300:
        return Result(ok=True, status=status, body=body)
    if 300 <= status < 400:
        return Result(ok=False, status=status, body=body, error=f"redirect not followed (HTTP {status})")
    return Result(ok=False, status=status, body=body, error=f"HTTP {status}")


def _read_capped(response: urllib3.BaseHTTPResponse, deadline: float) -> bytes:
    """Read up to MAX_RESPONSE_BYTES of the body, giving up at the deadline."""
    chunks: list[bytes] = []
    size = 0
    sock = getattr(response.connection, "sock", None)
    while size < MAX_RESPONSE_BYTES:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out")
        if sock is not None:
            # The read timeout set at request time is per read; shrinking it keeps the total bounded.
            sock.settimeout(remaining)
        chunk = response.read1(MAX_RESPONSE_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _describe(failure: BaseException, address: str) -> str:
    """Return a short English reason for a failure; library messages may quote the URL, so none is used."""
    where = f" to {address}"
    if isinstance(failure, NewConnectionError):
        return f"could not connect{where}"
    if isinstance(failure, ConnectTimeoutError):
        return f"connection{where} timed out"
    if isinstance(failure, ReadTimeoutError | TimeoutError):
        return "timed out waiting for the response"
    if isinstance(failure, SSLError):
        return f"TLS failed{where}: {_tls_reason(failure)}"
    if isinstance(failure, ProtocolError):
        return "the connection broke off"
    if isinstance(failure, ValueError):
        return "a header or the body cannot be sent"
    return f"request failed ({type(failure).__name__})"


def _tls_reason(failure: SSLError) -> str:
    """Return the ssl module's verification or protocol reason, such as "Hostname mismatch"."""
    cause: BaseException | None = failure
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError) and cause.verify_message:
            return str(cause.verify_message)
        if isinstance(cause, ssl.SSLError) and cause.reason:
            return str(cause.reason)
        cause = cause.__cause__ or cause.__context__ or (cause.args[0] if cause.args else None)
        if not isinstance(cause, BaseException):
            break
    return "handshake or certificate error"
