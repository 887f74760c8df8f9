"""Decide whether the server may post to a webhook URL (no server-side request forgery).

``check`` parses a URL, resolves its host and returns a ``Destination`` naming the addresses that
passed, or raises ``Refused`` with a machine ``reason`` (one of ``REASONS``). The staff page calls it
when a URL is saved; ``sending.post`` calls it again at send time and connects only to the addresses
it returned, so a name that later resolves somewhere private (DNS rebinding) is refused then too.
Nothing here opens a connection: the resolver is injectable, and tests pass a stub.
"""

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urlsplit

from stationfinder.services.errors import InvalidInput

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"https": 443, "http": 80}

# Every reason a URL can be refused for, with its meaning; pages translate the codes, so keep the set small.
REASONS = {
    "too_long": f"the URL is longer than {MAX_URL_LENGTH} characters",
    "malformed": "the URL has spaces, control characters, a backslash, a fragment (#) or broken brackets",
    "scheme": "the URL is not https (or http, where allowed)",
    "userinfo": "the URL carries a user name or password (user:pass@)",
    "host": "the URL has no host, or a host that is neither a DNS name nor an IP address",
    "port": "the port is not a number from 1 to 65535",
    "unresolvable": "the host name does not resolve to any address",
    "private": "the host is or resolves to a loopback, private, shared, reserved or multicast address",
    "metadata": "the host is or resolves to a link-local or cloud metadata address (never allowed)",
}

# Refused even with allow_private: these answer with the machine's cloud credentials or host agent.
ALWAYS_REFUSED = tuple(
    ipaddress.ip_network(net)
    for net in (
        "169.254.0.0/16",  # link-local: AWS, GCP, Azure, Huawei, Oracle 169.254.169.254; Tencent 169.254.0.23
        "fe80::/10",  # IPv6 link-local
        "fd00:ec2::/32",  # AWS metadata and DNS over IPv6 (fd00:ec2::254)
        "100.100.100.200/32",  # Alibaba Cloud metadata
        "168.63.129.16/32",  # Azure WireServer, a public address that only Azure hosts answer on
        "192.0.0.192/32",  # Oracle Cloud's older metadata address
    )
)

# A NAT64 translator carries these to the IPv4 address in their last 32 bits; judge that address alone.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# IPv6 forms with an IPv4 address in their last 32 bits that are not public themselves; the IPv4
# address is checked too, so that no allow_private reaches a metadata address through them.
_IPV4_IN_LOW_BITS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "::/96",  # IPv4-compatible (deprecated); Python counts these as global
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b:1::/48",  # NAT64 local-use prefix, usually with a /96 inside it
    )
)

# LDH labels; underscores too, since some real hosts use them.
_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*")
# A last label like this makes browsers and some resolvers read the name as an IPv4 address.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
# Characters left as they are in the request target; quote() also keeps letters, digits and "_.-~".
_TARGET_SAFE = "!$&'()*+,/:;=?@%"

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(InvalidInput):
    """The server may not post to this URL; ``reason`` is a key of ``REASONS``."""

    def __init__(self, reason: str, message: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Destination:
    """A checked webhook URL and the addresses it may be posted to."""

    url: str
    scheme: str
    host: str  # IDNA-encoded ASCII name, or an IP address without brackets
    port: int
    target: str  # path and query, percent-encoded, at least "/"
    addresses: tuple[str, ...]

    @property
    def authority(self) -> str:
        """Return the Host header: the host (bracketed if IPv6), with the port unless it is the default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def resolve_system(host: str, port: int) -> list[str]:
    """Return the addresses the system resolver gives for host, IPv4 and IPv6, for TCP."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check(
    url: str, *, allow_private: bool = False, allow_http: bool = False, resolve: Resolver | None = None
) -> Destination:
    """Return the destination url names, or raise Refused when the server may not post to it."""
    parts = _split(url)
    allowed = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in allowed:
        raise Refused("scheme", f"only {' or '.join(allowed)} URLs are allowed")
    if "@" in parts.netloc:
        raise Refused("userinfo", "the URL may not carry a user name or password")
    host, literal = _host(parts)
    port = _port(parts)
    # resolve_system is looked up here, not bound as a default, so that tests can replace it.
    found = [literal] if literal is not None else _resolve(resolve or resolve_system, host, port)
    for address in found:
        _admit(address, None if literal is not None else host, allow_private=allow_private)
    target = quote(parts.path or "/", safe=_TARGET_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_TARGET_SAFE)
    return Destination(
        url=url,
        scheme=parts.scheme,
        host=host,
        port=port,
        target=target,
        addresses=tuple(dict.fromkeys(str(address) for address in found)),
    )


def _split(url: str) -> SplitResult:
    if not isinstance(url, str):
        raise Refused("malformed", "the URL must be text")
    if len(url) > MAX_URL_LENGTH:
        raise Refused("too_long", f"the URL is longer than {MAX_URL_LENGTH} characters")
    # A fragment is never sent, so one in a webhook URL is a pasting mistake; a backslash is read as
    # "/" by browsers but not by urlsplit, and that difference is how host checks get fooled.
    if any(ch <= " " or ch == "\x7f" or ch in "\\#" for ch in url):
        raise Refused("malformed", "the URL has a space, control character, backslash or fragment")
    try:
        return urlsplit(url)
    except ValueError as error:
        raise Refused("malformed", "the URL cannot be parsed") from error


def _host(parts: SplitResult) -> tuple[str, IPAddress | None]:
    """Return the ASCII host name and, when the host is an IP address, that address."""
    hostname = parts.hostname
    if not hostname:
        raise Refused("host", "the URL has no host")
    try:
        literal = ipaddress.ip_address(hostname)
    except ValueError:
        literal = None
    if literal is not None:
        if (literal.version == 6) != ("[" in parts.netloc):
            raise Refused("host", "only IPv6 addresses go in brackets")
        return str(literal), literal
    if "[" in parts.netloc:
        raise Refused("host", "only IPv6 addresses go in brackets")
    name = hostname[:-1] if hostname.endswith(".") else hostname
    try:
        # The standard library's IDNA 2003 codec; Chinese names encode the same under IDNA 2008.
        name = name.encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise Refused("host", "the host name is not a valid internationalized domain name") from error
    if len(name) > 253 or not _NAME.fullmatch(name):
        raise Refused("host", "the host name is not a valid DNS name")
    if _NUMERIC_LABEL.fullmatch(name.rsplit(".", 1)[-1]):
        raise Refused("host", "the host looks like an IPv4 address in an unusual notation")
    return name, None


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError as error:
        raise Refused("port", "the port must be a number from 1 to 65535") from error
    if port is None:
        return DEFAULT_PORTS[parts.scheme]
    if not 1 <= port <= 65535:
        raise Refused("port", "the port must be a number from 1 to 65535")
    return port


def _resolve(resolve: Resolver, host: str, port: int) -> list[IPAddress]:
    try:
        found = [ipaddress.ip_address(address) for address in resolve(host, port)]
    except (OSError, UnicodeError, ValueError) as error:
        raise Refused("unresolvable", f"{host} does not resolve") from error
    if not found:
        raise Refused("unresolvable", f"{host} does not resolve")
    return found


def _views(address: IPAddress) -> list[IPAddress]:
    """Return what a connection to address may reach: itself or its IPv4 translation, and any IPv4 inside."""
    if isinstance(address, ipaddress.IPv4Address):
        return [address]
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in _NAT64:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    views: list[IPAddress] = [address]
    if address.sixtofour is not None:
        views.append(address.sixtofour)
    if address.teredo is not None:
        views.append(address.teredo[1])
    if any(address in net for net in _IPV4_IN_LOW_BITS):
        views.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return views


def _routable(address: IPAddress) -> bool:
    # is_global alone lets multicast through (224.0.0.0/4 and ff0e::/16 count as global).
    # is_reserved covers ::/8, which is why the NAT64 prefix is translated before this check.
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_unspecified
    )


def _admit(address: IPAddress, name: str | None, *, allow_private: bool) -> None:
    """Raise Refused unless the server may connect to address, which name resolved to (None: a literal)."""
    views = _views(address)
    what = f"{name} resolves to {address}, which is" if name else f"{address} is"
    if any(view in net for view in views for net in ALWAYS_REFUSED if view.version == net.version):
        raise Refused("metadata", f"{what} a link-local or cloud metadata address")
    if not allow_private and not all(_routable(view) for view in views):
        raise Refused("private", f"{what} not a public address")
