"""``flask webhooks add|list|remove``: the CLI is the only way to a private destination."""

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Webhook
from stationfinder.services.webhooks import destinations

ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"


@pytest.fixture(autouse=True)
def no_dns(monkeypatch):
    """Answer names from a table: no test sends a DNS query or traffic anywhere but loopback."""
    table = {"qyapi.weixin.qq.com": ["101.91.37.72"], "robot.intranet": ["10.1.2.3"]}

    def resolve(host, port):
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    monkeypatch.setattr(destinations, "resolve_system", resolve)


def _webhooks(app) -> list[Webhook]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Webhook).order_by(Webhook.id)))


def test_add_list_remove(app, runner):
    added = runner.invoke(args=["webhooks", "add", "--region", "520502", "--url", ROBOT, "--format", "wecom",
                                "--name", "七星关区五闪群"])  # fmt: skip
    assert added.exit_code == 0, added.output
    (webhook,) = _webhooks(app)
    assert (webhook.region_code, webhook.format, webhook.url, webhook.secret) == (
        "520502",
        "wecom",
        ROBOT,
        None,
    )
    listed = runner.invoke(args=["webhooks", "list"])
    assert "520502" in listed.output and "七星关区五闪群" in listed.output
    assert "693a91f6" not in listed.output  # the robot's key is a secret
    removed = runner.invoke(args=["webhooks", "remove", str(webhook.id)])
    assert removed.exit_code == 0 and _webhooks(app) == []
    again = runner.invoke(args=["webhooks", "remove", str(webhook.id)])
    assert again.exit_code != 0 and "no webhook" in again.output


def test_json_gets_a_secret_shown_once_when_none_is_given(app, runner):
    result = runner.invoke(args=["webhooks", "add", "--region", "520000", "--url", ROBOT, "--format", "json"])
    assert result.exit_code == 0, result.output
    (webhook,) = _webhooks(app)
    assert len(webhook.secret) >= 32 and webhook.secret in result.output
    assert webhook.secret not in runner.invoke(args=["webhooks", "list"]).output


def test_given_secret_is_kept(app, runner):
    args = ["webhooks", "add", "--region", "000000", "--url", ROBOT, "--format", "json", "--secret", "x" * 20]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert _webhooks(app)[0].secret == "x" * 20 and "x" * 20 not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "52050", "--url", ROBOT, "--format", "wecom"], "6 digits"),
        (["--region", "520502", "--url", "ftp://qyapi.weixin.qq.com/", "--format", "wecom"], "https"),
        (
            ["--region", "520502", "--url", "https://robot.intranet/send", "--format", "wecom"],
            "not a public address",
        ),
        (
            [
                "--region",
                "520502",
                "--url",
                "https://169.254.169.254/latest",
                "--format",
                "wecom",
                "--allow-private",
            ],
            "metadata",
        ),
        (
            ["--region", "520502", "--url", "https://nowhere.example/", "--format", "wecom"],
            "does not resolve",
        ),
        (["--region", "520502", "--url", ROBOT, "--format", "json", "--secret", "short"], "16"),
        (["--region", "520502", "--url", ROBOT, "--format", "wecom", "--secret", "x" * 20], "secret"),
    ],
)
def test_refusals_write_nothing(app, runner, args, message):
    result = runner.invoke(args=["webhooks", "add", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert _webhooks(app) == []


def test_only_allow_private_adds_an_intranet_robot(app, runner):
    args = [
        "webhooks",
        "add",
        "--region",
        "520502",
        "--url",
        "https://robot.intranet/send",
        "--format",
        "wecom",
    ]
    assert runner.invoke(args=[*args, "--allow-private"]).exit_code == 0
    (webhook,) = _webhooks(app)
    assert webhook.allow_private
    assert "private" in runner.invoke(args=["webhooks", "list"]).output
