"""The browser tests' server: a browser resetting a connection leaves no file open behind it."""

import gc
import re
import socket
import struct
import warnings
from urllib.parse import urlsplit

from tests.e2e.server import serve

# Loaded late by the rider page: a test that ends as the list appears closes its tab mid-download.
PATH = "/static/js/map.js"


def fetch_then_reset(base_url: str, path: str) -> bytes:
    """GET path, read the whole response, then reset the connection as a closing tab does; return the head."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += sock.recv(65536)
        head, body = response.split(b"\r\n\r\n", 1)
        length = int(re.search(rb"(?im)^content-length: *(\d+)", head).group(1))
        while len(body) < length:
            body += sock.recv(65536)
        # Linger 0: close() sends RST, while the server is still draining the request socket.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return head


def test_reset_connections_leave_no_file_open(app):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with serve(app) as base_url:
            heads = [fetch_then_reset(base_url, PATH) for _ in range(20)]
        # Leaving serve() waited for the request threads; collect what they dropped.
        gc.collect()
    assert all(head.startswith(b"HTTP/1.1 200") for head in heads)
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
