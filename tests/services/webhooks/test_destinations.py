"""Webhook destinations: which URLs the server may post to, decided with a stub resolver and no traffic."""

import socket

import pytest

from stationfinder.services.errors import InvalidInput
from stationfinder.services.webhooks import destinations
from stationfinder.services.webhooks.destinations import REASONS, Refused, check

# Taken before the autouse fixture replaces it, to test it on a literal (which needs no lookup).
SYSTEM_RESOLVER = destinations.resolve_system
PUBLIC4 = "93.184.215.14"
PUBLIC6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"
DNS = {
    "robot.example": [PUBLIC4],
    "robot6.example": [PUBLIC6],
    "dual.example": [PUBLIC4, PUBLIC6],
    "xn--fsqu00a.xn--fiqs8s": [PUBLIC4],
    "private.example": ["10.0.0.1"],
    "loopback.example": ["127.0.0.1"],
    "loopback6.example": ["::1"],
    "mapped.example": ["::ffff:10.0.0.1"],
    "nat64.example": ["64:ff9b::7f00:1"],
    "sixtofour.example": ["2002:c0a8:101::1"],
    "compat.example": ["::127.0.0.1"],
    "cgnat.example": ["100.64.0.1"],
    "multicast.example": ["224.0.0.1"],
    "unspecified.example": ["0.0.0.0"],
    "mixed.example": [PUBLIC4, "192.168.1.10"],
    "metadata.example": ["169.254.169.254"],
    "aliyun.example": ["100.100.100.200"],
    "tencent.example": ["169.254.0.23"],
    "ec2v6.example": ["fd00:ec2::254"],
    "mapped-metadata.example": ["::ffff:169.254.169.254"],
    "empty.example": [],
    "garbage.example": ["not-an-address"],
}


def stub(host: str, port: int) -> list[str]:
    """Answer from DNS, fail like the system resolver for .invalid, and fail the test for anything else."""
    if host.endswith(".invalid"):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    if host not in DNS:
        raise AssertionError(f"unexpected lookup of {host}")
    return list(DNS[host])


@pytest.fixture(autouse=True)
def no_system_resolver(monkeypatch):
    """Fail any test that would reach the system resolver."""

    def forbidden(host, port):
        raise AssertionError(f"the system resolver was asked for {host}")

    monkeypatch.setattr(destinations, "resolve_system", forbidden)


ALLOWED = [
    "https://robot.example/cgi-bin/webhook/send?key=k",
    "https://robot6.example/",
    "https://dual.example/",
    "https://ROBOT.example./",
    "https://93.184.215.14/hook",
    f"https://[{PUBLIC6}]:8443/hook",
    "https://[64:ff9b::5db8:d70e]/",  # NAT64 of a public address
    "https://[::ffff:93.184.215.14]/",
    "https://例子.中国/",
]

REFUSED = [
    ("", {}, "scheme"),
    ("robot.example/hook", {}, "scheme"),
    ("http://robot.example/", {}, "scheme"),
    ("ftp://robot.example/", {"allow_http": True}, "scheme"),
    ("file:///etc/passwd", {"allow_private": True}, "scheme"),
    ("https://user:pass@robot.example/", {}, "userinfo"),
    ("https://robot.example@127.0.0.1/", {}, "userinfo"),
    ("https:///hook", {}, "host"),
    ("https://robot..example/", {}, "host"),
    ("https://-robot.example/", {}, "host"),
    ("https://robot.example:0/", {}, "port"),
    ("https://robot.example:65536/", {}, "port"),
    ("https://robot.example:https/", {}, "port"),
    ("https://2130706433/", {}, "host"),
    ("https://0x7f.0.0.1/", {}, "host"),
    ("https://robot.example/#x", {}, "malformed"),
    ("https://robot.example/a b", {}, "malformed"),
    ("https://robot.example\\@127.0.0.1/", {}, "malformed"),
    ("https://robot.example/\r\nX-Injected: 1", {}, "malformed"),
    ("https://robot.example/" + "a" * 2048, {}, "too_long"),
    ("https://nowhere.invalid/", {}, "unresolvable"),
    ("https://empty.example/", {}, "unresolvable"),
    ("https://garbage.example/", {}, "unresolvable"),
    ("https://127.0.0.1/", {}, "private"),
    ("https://[::1]/", {}, "private"),
    ("https://10.1.2.3/", {}, "private"),
    ("https://0.0.0.0/", {}, "private"),
    ("https://private.example/", {}, "private"),
    ("https://loopback.example/", {}, "private"),
    ("https://loopback6.example/", {}, "private"),
    ("https://mapped.example/", {}, "private"),
    ("https://[::ffff:10.0.0.1]/", {}, "private"),
    ("https://nat64.example/", {}, "private"),
    ("https://sixtofour.example/", {}, "private"),
    ("https://compat.example/", {}, "private"),
    ("https://[64:ff9b:1::a00:1]/", {}, "private"),
    ("https://[::ffff:0:a00:1]/", {}, "private"),
    ("https://[2001:db8::1]/", {}, "private"),
    ("https://[ff0e::1]/", {}, "private"),
    ("https://cgnat.example/", {}, "private"),
    ("https://multicast.example/", {}, "private"),
    ("https://unspecified.example/", {}, "private"),
    ("https://mixed.example/", {}, "private"),
    ("https://169.254.169.254/latest/meta-data/", {}, "metadata"),
    ("https://metadata.example/", {"allow_private": True}, "metadata"),
    ("https://aliyun.example/", {"allow_private": True}, "metadata"),
    ("https://tencent.example/", {"allow_private": True}, "metadata"),
    ("https://ec2v6.example/", {"allow_private": True}, "metadata"),
    ("https://mapped-metadata.example/", {"allow_private": True}, "metadata"),
    ("https://[fd00:ec2::254]/", {"allow_private": True}, "metadata"),
    ("https://[fe80::1%25eth0]/", {"allow_private": True}, "metadata"),
    ("https://[64:ff9b::a9fe:a9fe]/", {"allow_private": True}, "metadata"),
    ("http://100.100.100.200/", {"allow_private": True, "allow_http": True}, "metadata"),
]


@pytest.mark.parametrize("url", ALLOWED)
def test_public_destinations_are_allowed(url):
    dest = check(url, resolve=stub)
    assert dest.url == url
    assert dest.addresses
    assert dest.target.startswith("/")


@pytest.mark.parametrize(("url", "options", "reason"), REFUSED)
def test_refusals(url, options, reason):
    with pytest.raises(Refused) as refused:
        check(url, resolve=stub, **options)
    assert refused.value.reason == reason
    assert isinstance(refused.value, InvalidInput)
    assert "key=" not in str(refused.value)


def test_an_ipv4_address_in_brackets_is_refused():
    # Newer Pythons refuse it in urlsplit already ("malformed"); older ones leave it to the host check.
    with pytest.raises(Refused) as refused:
        check("https://[127.0.0.1]/", resolve=stub, allow_private=True)
    assert refused.value.reason in {"malformed", "host"}


def test_reasons_are_documented():
    assert {reason for _, _, reason in REFUSED} == set(REASONS)
    with pytest.raises(ValueError):
        Refused("nope", "an undocumented reason")


def test_destination_fields():
    dest = check("https://Robot.Example:8443/cgi-bin/send?key=abc&x=%20", resolve=stub)
    assert dest == destinations.Destination(
        url="https://Robot.Example:8443/cgi-bin/send?key=abc&x=%20",
        scheme="https",
        host="robot.example",
        port=8443,
        target="/cgi-bin/send?key=abc&x=%20",
        addresses=(PUBLIC4,),
    )
    assert dest.authority == "robot.example:8443"
    assert check("https://robot.example", resolve=stub).target == "/"
    assert check("https://robot.example", resolve=stub).authority == "robot.example"


def test_non_ascii_host_and_path_are_encoded():
    dest = check("https://例子.中国/路径?q=值", resolve=stub)
    assert dest.host == "xn--fsqu00a.xn--fiqs8s"
    assert dest.target == "/%E8%B7%AF%E5%BE%84?q=%E5%80%BC"


def test_ipv6_literal_is_bracketed_in_the_host_header():
    dest = check(f"https://[{PUBLIC6}]:8443/", resolve=stub)
    assert dest.host == PUBLIC6
    assert dest.addresses == (PUBLIC6,)
    assert dest.authority == f"[{PUBLIC6}]:8443"


def test_all_addresses_of_a_name_are_kept():
    assert check("https://dual.example/", resolve=stub).addresses == (PUBLIC4, PUBLIC6)


def test_ip_literal_is_not_resolved():
    def never(host, port):
        raise AssertionError("an IP literal was resolved")

    assert check("https://93.184.215.14/", resolve=never).addresses == (PUBLIC4,)


def test_the_resolver_gets_the_ascii_name_and_port():
    asked = []

    def recording(host, port):
        asked.append((host, port))
        return [PUBLIC4]

    check("https://例子.中国:8443/", resolve=recording)
    check("http://robot.example/", resolve=recording, allow_http=True)
    assert asked == [("xn--fsqu00a.xn--fiqs8s", 8443), ("robot.example", 80)]


def test_http_only_when_allowed():
    dest = check("http://robot.example/", resolve=stub, allow_http=True)
    assert (dest.scheme, dest.port, dest.authority) == ("http", 80, "robot.example")


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://[::1]/",
        "https://10.1.2.3/",
        "https://private.example/",
        "https://mixed.example/",
    ],
)
def test_allow_private_admits_intranet_addresses(url):
    assert check(url, resolve=stub, allow_private=True).addresses


def test_check_uses_the_system_resolver_by_default(monkeypatch):
    asked = []
    monkeypatch.setattr(destinations, "resolve_system", lambda host, port: asked.append(host) or [PUBLIC4])
    assert check("https://robot.example/").addresses == (PUBLIC4,)
    assert asked == ["robot.example"]


def test_resolve_system_reads_a_literal_without_a_lookup():
    assert SYSTEM_RESOLVER("127.0.0.1", 443) == ["127.0.0.1"]
