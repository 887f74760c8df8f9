"""/manage/webhooks and /manage/outbox: who may do what, refused addresses, the secret shown once.

No test here resolves a name or opens a connection: ``destinations.resolve_system`` is replaced by
a table of made-up answers.
"""

import itertools
import re

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import OutboxMessage, Webhook
from stationfinder.services import reports
from stationfinder.services.webhooks import destinations
from tests.factories import UserFactory
from tests.staff import csrf_token, login, make_world

# The answers of the stub resolver; any other name "does not resolve".
ADDRESSES = {
    "qyapi.weixin.qq.com": ["101.91.37.100"],
    "cases.example.cn": ["203.119.25.1"],
    "intranet.example.cn": ["192.168.1.2"],
}
KEYS = {"gy": "gy-key-3f9a1c", "bj": "bj-key-77d2e0"}
# Webhooks of 贵阳市南明区, 毕节市七星关区 and the whole country; who manages which.
HOOKS = {"gy": "520102", "bj": "520502", "cn": "000000"}
MANAGES = {
    "admin": {"gy", "bj", "cn"},
    "staff_520000": {"gy", "bj"},
    "staff_520100": {"gy"},
    "staff_520500": {"bj"},
    "manager_gy": set(),
}
USERS = (*MANAGES, "anonymous")
# A region inside each user's own, and one outside it (the admin's "outside" is allowed too).
OWN = {"admin": "000000", "staff_520000": "520000", "staff_520100": "520102", "staff_520500": "520500"}
OTHER = {"admin": "440304", "staff_520000": "440304", "staff_520100": "520502", "staff_520500": "000000"}
# A webhook each user may not touch; the admin may touch all, so gets an id that does not exist.
OUTSIDE = {
    "admin": None,
    "staff_520000": "cn",
    "staff_520100": "bj",
    "staff_520500": "gy",
    "manager_gy": "gy",
}
ACTIONS = ("list", "add_own", "add_other", "remove_outside", "retry_outside")
MISSING_ID = 999_999


def fake_resolve(host: str, port: int) -> list[str]:
    if host not in ADDRESSES:
        raise OSError(f"{host} is not in the test's table")
    return ADDRESSES[host]


@pytest.fixture(autouse=True)
def no_dns(monkeypatch):
    """Answer every name from ADDRESSES, never from the network."""
    monkeypatch.setattr(destinations, "resolve_system", fake_resolve)


def wecom_url(key: str) -> str:
    return f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={key}"


def make_notify_world(app) -> dict:
    """Create the staff world, three webhooks, a report at each station and an abandoned message per webhook.

    Return {"hooks": {key: id}, "abandoned": {key: message id}, "reports": {key: code}}.
    """
    ids = make_world(app)
    with app.app_context():
        hooks = {
            "gy": Webhook(region_code=HOOKS["gy"], url=wecom_url(KEYS["gy"]), format="wecom", name="hook-gy"),
            "bj": Webhook(region_code=HOOKS["bj"], url=wecom_url(KEYS["bj"]), format="wecom", name="hook-bj"),
            "cn": Webhook(
                region_code=HOOKS["cn"],
                url="https://cases.example.cn/hook",
                format="json",
                secret="s" * 32,
                name="hook-cn",
            ),
        }
        db.session.add_all(hooks.values())
        db.session.flush()
        filed = {
            key: reports.file_report("station", "no_water", station_id=ids[key])[0] for key in ("gy", "bj")
        }
        report_of = {"gy": filed["gy"], "bj": filed["bj"], "cn": filed["gy"]}
        abandoned = {}
        for key, hook in hooks.items():
            message = OutboxMessage(
                webhook_id=hook.id,
                report_id=report_of[key].id,
                event="report.filed",
                payload="{}",
                status="abandoned",
                tries=12,
                last_status=500,
                # A sender's error may quote the URL: the page must hide the key in it too.
                last_error=f"HTTP 500 from {hook.url}",
            )
            db.session.add(message)
            db.session.flush()
            abandoned[key] = message.id
        db.session.commit()
        return {
            "hooks": {key: hook.id for key, hook in hooks.items()},
            "abandoned": abandoned,
            "reports": {key: report.code for key, report in filed.items()},
        }


@pytest.fixture
def world(app):
    return make_notify_world(app)


def add_form(region: str, **changes) -> dict:
    data = {
        "region_code": region,
        "url": wecom_url("new-key-5150"),
        "format": "wecom",
        "secret": "",
        "name": "新群",
    }
    data.update(changes)
    return data


def webhook_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Webhook.id)))


def message_state(app, message_id: int) -> tuple[str, int]:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        return message.status, message.tries


def listed_ids(response) -> set[int]:
    return {int(i) for i in re.findall(r'data-webhook="(\d+)"', response.get_data(as_text=True))}


def outside_id(world, username: str, table: str) -> int:
    key = OUTSIDE[username]
    return MISSING_ID if key is None else world[table][key]


@pytest.mark.parametrize(("username", "action"), list(itertools.product(USERS, ACTIONS)))
def test_access_matrix(app, client, world, username, action):
    if username != "anonymous":
        assert login(client, username).status_code == 302
    before = webhook_count(app)
    if action == "list":
        response = client.get("/manage/webhooks")
    elif action in ("add_own", "add_other"):
        region = (OWN if action == "add_own" else OTHER).get(username, "520102")
        response = client.post("/manage/webhooks", data=add_form(region))
    elif action == "remove_outside":
        target = outside_id(world, username, "hooks") if username in OUTSIDE else world["hooks"]["gy"]
        response = client.post(f"/manage/webhooks/{target}/remove", data={"understood": "yes"})
    else:
        target = outside_id(world, username, "abandoned") if username in OUTSIDE else world["abandoned"]["gy"]
        response = client.post(f"/manage/outbox/{target}/retry")

    if username == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif username == "manager_gy":
        assert response.status_code == 403
        assert "Only district staff" in client.get("/manage/webhooks?lang=en").get_data(as_text=True)
    elif action == "list":
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"
        assert listed_ids(response) == {world["hooks"][key] for key in MANAGES[username]}
    elif action == "add_own" or (action == "add_other" and username == "admin"):
        assert response.status_code == 200 and 'data-testid="created"' in response.get_data(as_text=True)
        assert webhook_count(app) == before + 1
        return
    elif action == "add_other":
        assert response.status_code == 403
        assert f'value="{OTHER[username]}"' in response.get_data(as_text=True)  # the form is kept
    else:
        assert response.status_code == 404
    assert webhook_count(app) == before
    assert message_state(app, world["abandoned"]["gy"]) == ("abandoned", 12)
    assert message_state(app, world["abandoned"]["cn"]) == ("abandoned", 12)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1/", "private or local network"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
        ("https://10.0.0.5/", "private or local network"),
        ("ftp://x/", "must start with https://"),
        ("https://intranet.example.cn/robot", "private or local network"),
        ("https://unknown.example.cn/robot", "cannot be found"),
        ("https://user:pw@qyapi.weixin.qq.com/x", "user name or password"),
        ("https://qyapi.weixin.qq.com:99999/x", "port number"),
        ("https://qyapi.weixin.qq.com/a b", "Copy it again"),
    ],
)
def test_refused_addresses_get_words_and_write_nothing(app, client, world, url, words):
    login(client, "admin")
    response = client.post("/manage/webhooks?lang=en", data=add_form("520102", url=url))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert words in html and 'class="field-error"' in html
    assert webhook_count(app) == 3


def test_a_refusal_speaks_chinese_by_default(app, client, world):
    login(client, "staff_520100")
    response = client.post("/manage/webhooks", data=add_form("520102", url="https://10.0.0.5/"))
    assert response.status_code == 400 and "内网" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"region_code": "12ab"}, "region_code"),
        ({"region_code": "012345"}, "region_code"),
        ({"url": ""}, "url"),
        ({"url": "https://qyapi.weixin.qq.com/" + "a" * 2100}, "url"),
        ({"format": "sms"}, "format"),
        ({"format": "json", "secret": "short"}, "secret"),
        ({"secret": "a-secret-for-wecom-1234"}, "secret"),
        ({"name": "名" * 81}, "name"),
    ],
)
def test_bad_fields_keep_the_form(app, client, world, changes, field):
    login(client, "staff_520100")
    response = client.post("/manage/webhooks?lang=en", data=add_form("520102", **changes))
    assert response.status_code == 422
    assert re.search(rf'id="{field}"[^>]*>.*?class="field-error"', response.get_data(as_text=True), re.S)
    assert webhook_count(app) == 3


def test_a_json_secret_is_shown_once_and_kept_out_of_the_cookie(app, client, world):
    login(client, "staff_520500")
    data = add_form("520502", url="https://cases.example.cn/in", format="json", name="case system")
    response = client.post("/manage/webhooks", data=data)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    shown = re.search(r'data-testid="secret">([^<]+)<', response.get_data(as_text=True)).group(1)
    with app.app_context():
        webhook = db.session.scalar(sa.select(Webhook).where(Webhook.name == "case system"))
        assert webhook.secret == shown and webhook.created_by is not None
    with client.session_transaction() as session:
        assert "_flashes" not in session
    again = client.get("/manage/webhooks").get_data(as_text=True)
    assert shown not in again and "case system" in again


def test_a_secret_given_is_not_shown_back(client, world):
    login(client, "admin")
    secret = "given-secret-0123456789"
    data = add_form("520102", url="https://cases.example.cn/in", format="json", secret=secret)
    response = client.post("/manage/webhooks?lang=en", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and secret not in html
    assert "signed with the secret you entered" in html


def test_urls_are_masked_everywhere(client, world):
    login(client, "admin")
    for page in ("/manage/webhooks", "/manage/outbox"):
        html = client.get(page).get_data(as_text=True)
        shown = re.findall(r'webhook-url">([^<]+)<', html)
        assert shown.count("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…") == 2
        assert "https://cases.example.cn/hook" in shown
        assert KEYS["gy"] not in html and KEYS["bj"] not in html


def test_remove_needs_the_tick_then_removes(app, client, world):
    login(client, "staff_520100")
    hook = world["hooks"]["gy"]
    refused = client.post(f"/manage/webhooks/{hook}/remove?lang=en")
    assert refused.status_code == 422 and "Tick the box" in refused.get_data(as_text=True)
    assert webhook_count(app) == 3
    response = client.post(f"/manage/webhooks/{hook}/remove", data={"understood": "yes"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/manage/webhooks")
    with app.app_context():
        assert db.session.get(Webhook, hook) is None
        assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.webhook_id == hook)) == 0
    assert "hook-gy" in client.get("/manage/webhooks").get_data(as_text=True)  # the flash names it


@pytest.mark.parametrize("path", ["/manage/webhooks/{big}/remove", "/manage/outbox/{big}/retry"])
def test_ids_past_a_database_integer_are_not_found(client, world, path):
    login(client, "admin")
    assert client.post(path.format(big=2**63), data={"understood": "yes"}).status_code == 404


def test_retry_makes_an_abandoned_message_pending_again(app, client, world):
    login(client, "staff_520100")
    message_id = world["abandoned"]["gy"]
    response = client.post(f"/manage/outbox/{message_id}/retry")
    assert response.status_code == 303
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert (message.status, message.tries, message.lease_until) == ("pending", 0, None)
    again = client.post(f"/manage/outbox/{message_id}/retry?lang=en")
    assert again.status_code == 409 and "already sent it again" in again.get_data(as_text=True)


def test_the_outbox_counts_and_lists_the_scope(client, world):
    login(client, "staff_520100")
    response = client.get("/manage/outbox?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # The gy report went to hook-gy (pending) and to the nationwide hook-cn, outside this scope.
    assert re.search(r'data-count="pending">1<', html) and re.search(r'data-count="abandoned">1<', html)
    assert set(re.findall(r'data-message="(\d+)"', html)) == {str(world["abandoned"]["gy"])}
    assert f'href="/manage/reports/{world["reports"]["gy"]}"' in html
    assert "12 tries in a row" in html and "12 tries ·" in " ".join(html.split())


@pytest.mark.parametrize(("username", "failed"), [("admin", 3), ("staff_520500", 1), ("manager_gy", None)])
def test_the_menu_links_only_for_staff_and_admins(client, world, username, failed):
    login(client, username)
    html = client.get("/manage/?lang=en").get_data(as_text=True)
    assert ('href="/manage/webhooks"' in html) is (failed is not None)
    assert ('href="/manage/outbox"' in html) is (failed is not None)
    assert (f"Outbox ({failed} failed)" in html) is (failed is not None)


def test_staff_without_a_region_get_no_national_scope(app, client, world):
    with app.app_context():
        UserFactory(username="staff_nowhere", region_code=None)
        db.session.commit()
    login(client, "staff_nowhere")
    assert client.get("/manage/webhooks").status_code == 403
    assert client.get("/manage/outbox").status_code == 403


def test_the_forms_need_their_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    world = make_notify_world(app)
    client = app.test_client()
    login(client, "admin", csrf=True)
    assert client.post("/manage/webhooks", data=add_form("520102")).status_code == 400
    hook, message = world["hooks"]["gy"], world["abandoned"]["gy"]
    assert client.post(f"/manage/webhooks/{hook}/remove", data={"understood": "yes"}).status_code == 400
    assert client.post(f"/manage/outbox/{message}/retry").status_code == 400
    assert webhook_count(app) == 3 and message_state(app, message) == ("abandoned", 12)
    token = csrf_token(client, "/manage/webhooks")
    assert (
        client.post("/manage/webhooks", data={**add_form("520102"), "csrf_token": token}).status_code == 200
    )
    assert webhook_count(app) == 4


def test_each_report_went_to_its_region_and_the_whole_country(app, world):
    hooks = world["hooks"]
    with app.app_context():
        pending = db.session.scalars(
            sa.select(OutboxMessage.webhook_id).where(OutboxMessage.status == "pending")
        )
        assert sorted(pending) == sorted([hooks["gy"], hooks["cn"], hooks["bj"], hooks["cn"]])
