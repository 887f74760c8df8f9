"""``flask users …``: create, token, revoke-tokens, list, disable, enable."""

import pytest
import sqlalchemy as sa

from stationfinder.cli import users as users_cli
from stationfinder.extensions import db
from stationfinder.models import ApiToken, User
from stationfinder.services import accounts
from tests.factories import PASSWORD, StationFactory, UserFactory

PW = "Contract-pass-1234"


def user(app, username):
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.username == username))


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(User.id)))


@pytest.mark.parametrize("stdin", [f"{PW}\n{PW}\n", f"{PW}\n", PW, f"{PW}\r\n{PW}\r\n"])
def test_create_staff_reads_the_password_from_stdin(app, runner, stdin):
    result = runner.invoke(
        args=["users", "create", "gy", "--role", "staff", "--region", "520100"], input=stdin
    )
    assert result.exit_code == 0, result.output
    assert "created staff gy (520100)" in result.stdout
    with app.app_context():
        assert accounts.authenticate("gy", PW).region_code == "520100"


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (f"{PW}\nsomething-else\n", "do not match"),
        ("", "no password"),
        ("\n", "no password"),
        (f"{PW}\n{PW}\n{PW}\n", "one line, or twice"),
        ("short\nshort\n", "at least 10"),
        ("x" * 5000, "too long"),
    ],
)
def test_bad_passwords_are_refused_and_nothing_is_written(app, runner, stdin, message):
    result = runner.invoke(args=["users", "create", "gy", "--role", "admin"], input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert count_users(app) == 0


def test_on_a_terminal_the_password_is_prompted_twice_hidden(app, runner, monkeypatch):
    prompts = []

    def fake_prompt(text, **kwargs):
        prompts.append((text, kwargs))
        return PW

    monkeypatch.setattr(users_cli, "_stdin_is_terminal", lambda: True)
    monkeypatch.setattr(users_cli.click, "prompt", fake_prompt)
    result = runner.invoke(args=["users", "create", "root", "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert prompts == [("Password", {"hide_input": True, "confirmation_prompt": True})]
    assert user(app, "root").role == "admin"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "staff"], "--region"),
        (["--role", "staff", "--region", "abc"], "6 digits"),
        (["--role", "manager"], "--station"),
        (["--role", "manager", "--station", "NOPE"], "no station 'NOPE'"),
        (["--role", "admin", "--station", "GY-1"], "only managers"),
        (["--role", "admin", "--region", "520100"], "only staff"),
        (["--role", "boss"], "Invalid value for '--role'"),
    ],
)
def test_create_refuses_bad_options(app, runner, args, message):
    with app.app_context():
        StationFactory(ref="GY-1")
        db.session.commit()
    result = runner.invoke(args=["users", "create", "x", *args], input=f"{PW}\n")
    assert result.exit_code != 0
    assert message in result.output
    assert count_users(app) == 0


def test_create_manager_with_stations_by_ref_and_id(app, runner):
    with app.app_context():
        StationFactory(ref="GY-1")
        second = StationFactory(ref="GY-2").id
        db.session.commit()
    args = ["users", "create", "mgr", "--role", "manager", "--station", "GY-1", "--station", str(second)]
    result = runner.invoke(args=args, input=f"{PW}\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.username == "mgr"))
        assert sorted(s.ref for s in manager.stations) == ["GY-1", "GY-2"]


def test_create_twice_is_refused(app, runner):
    assert runner.invoke(args=["users", "create", "a", "--role", "admin"], input=f"{PW}\n").exit_code == 0
    result = runner.invoke(args=["users", "create", "a", "--role", "admin"], input=f"{PW}\n")
    assert result.exit_code != 0 and "already exists" in result.output
    assert count_users(app) == 1


def test_token_prints_only_the_token_on_stdout(app, runner):
    with app.app_context():
        UserFactory(username="gy")
        db.session.commit()
    result = runner.invoke(args=["users", "token", "gy"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    token = lines[-1].strip()
    assert len(token) >= 43
    assert "shown only once" in result.stderr
    with app.app_context():
        assert accounts.user_for_token(token).username == "gy"
        assert token not in {row.token_hash for row in db.session.scalars(sa.select(ApiToken))}


@pytest.mark.parametrize("command", ["token", "revoke-tokens", "disable", "enable"])
def test_unknown_user_is_an_error(runner, command):
    result = runner.invoke(args=["users", command, "ghost"])
    assert result.exit_code != 0
    assert "no user 'ghost'" in result.output


def test_revoke_tokens(app, runner):
    with app.app_context():
        gy = UserFactory(username="gy")
        tokens = [accounts.issue_token(gy) for _ in range(2)]
        db.session.commit()
    result = runner.invoke(args=["users", "revoke-tokens", "gy"])
    assert result.exit_code == 0 and "revoked 2 token(s) of gy" in result.stdout
    with app.app_context():
        assert all(accounts.user_for_token(t) is None for t in tokens)


def test_disable_stops_logins_and_tokens(app, runner):
    with app.app_context():
        gy = UserFactory(username="gy")
        token = accounts.issue_token(gy)
        db.session.commit()
    result = runner.invoke(args=["users", "disable", "gy"])
    assert result.exit_code == 0 and "disabled gy; revoked 1 token(s)" in result.stdout
    with app.app_context():
        assert accounts.user_for_token(token) is None
        assert accounts.authenticate("gy", PASSWORD) is None
    result = runner.invoke(args=["users", "token", "gy"])
    assert result.exit_code != 0 and "disabled" in result.output


def test_enable_lets_a_disabled_user_log_in_again_without_old_tokens(app, runner):
    with app.app_context():
        gy = UserFactory(username="gy")
        token = accounts.issue_token(gy)
        db.session.commit()
    assert runner.invoke(args=["users", "disable", "gy"]).exit_code == 0
    result = runner.invoke(args=["users", "enable", "gy"])
    assert result.exit_code == 0 and "enabled gy" in result.stdout
    with app.app_context():
        assert accounts.authenticate("gy", PASSWORD).username == "gy"
        assert accounts.user_for_token(token) is None
    assert runner.invoke(args=["users", "token", "gy"]).exit_code == 0


def test_list_shows_role_scope_and_state(app, runner):
    with app.app_context():
        station = StationFactory(ref="GY-1")
        UserFactory(username="root", admin=True)
        UserFactory(username="bj", region_code="520500", active=False)
        UserFactory(username="mgr", manager=True, stations=[station])
        db.session.commit()
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows == [
        ["USERNAME", "ROLE", "SCOPE", "ACTIVE"],
        ["bj", "staff", "520500", "no"],
        ["mgr", "manager", "GY-1", "yes"],
        ["root", "admin", "all", "yes"],
    ]


def test_set_password_checks_the_policy_and_changes_the_password(app, runner):
    with app.app_context():
        UserFactory(username="gy")
        db.session.commit()
    result = runner.invoke(args=["users", "set-password", "gy"], input=f"{PW}\n{PW}\n")
    assert result.exit_code == 0 and "changed the password of gy" in result.stdout
    with app.app_context():
        assert accounts.authenticate("gy", PW) is not None
        assert accounts.authenticate("gy", PASSWORD) is None


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("woaini1314\n", "list of common passwords"),
        ("13812345678\n", "only digits"),
        ("zzzzzzzzzzzz\n", "one character repeated"),
        ("gy\n", "at least 10"),
        ("My-gyuser-pass\n", "contain the username"),
    ],
)
def test_set_password_refuses_weak_passwords(app, runner, stdin, message):
    with app.app_context():
        UserFactory(username="gyuser")
        db.session.commit()
    result = runner.invoke(args=["users", "set-password", "gyuser"], input=stdin)
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert accounts.authenticate("gyuser", PASSWORD) is not None


def test_create_refuses_a_common_password(app, runner):
    result = runner.invoke(args=["users", "create", "gy", "--role", "admin"], input="password123\n")
    assert result.exit_code != 0 and "list of common passwords" in result.output
    assert count_users(app) == 0
