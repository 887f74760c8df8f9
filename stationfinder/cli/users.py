"""``flask users …``: accounts for admins, district staff and station managers."""

import sys

import click
from flask.cli import AppGroup

from stationfinder.extensions import db
from stationfinder.models import Role
from stationfinder.services import accounts
from stationfinder.services.errors import DomainError

users = AppGroup("users", help="Create and manage staff accounts and API tokens.")

# A password read from a pipe is one line; two give the same check as the interactive prompt.
_MAX_STDIN = 4096


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def read_password() -> str:
    """Return a password: prompted twice on a terminal, else one or two identical lines from stdin."""
    if _stdin_is_terminal():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    lines = sys.stdin.read(_MAX_STDIN + 1)
    if len(lines) > _MAX_STDIN:
        raise click.ClickException("the password on stdin is too long")
    lines = lines.splitlines()
    if not lines or not lines[0]:
        raise click.ClickException("no password on stdin (give it on one line, or twice on two lines)")
    if len(lines) > 2:
        raise click.ClickException("stdin must hold the password on one line, or twice on two lines")
    if len(lines) == 2 and lines[0] != lines[1]:
        raise click.ClickException("the two passwords on stdin do not match")
    return lines[0]


def _user(username: str):
    try:
        return accounts.get_user(username)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None


def _scope_text(user) -> str:
    if user.role == Role.STAFF:
        return user.region_code or "-"
    if user.role == Role.MANAGER:
        return ",".join(sorted(s.public_key for s in user.stations)) or "-"
    return "all"


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="The user's role.")
@click.option("--region", help="Staff only: the 6-digit region code they look after, e.g. 520500.")
@click.option("--station", "stations", multiple=True, help="Managers only: a station ref or id (repeatable).")
def create(username, role, region, stations):
    """Create a user; the password is prompted for, or read from stdin."""
    password = read_password()
    try:
        user = accounts.create_user(username, password, role, region=region, station_keys=stations)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"created {user.role} {user.username} ({_scope_text(user)})")


@users.command("token")
@click.argument("username")
def token(username):
    """Print a new API bearer token for a user (shown only once)."""
    user = _user(username)
    if not user.active:
        raise click.ClickException(f"user {username!r} is disabled")
    value = accounts.issue_token(user)
    db.session.commit()
    click.echo(f"API token for {user.username}; it is shown only once, store it safely:", err=True)
    click.echo(value)


@users.command("revoke-tokens")
@click.argument("username")
def revoke_tokens(username):
    """Revoke every API token of a user and log them out everywhere."""
    user = _user(username)
    count = accounts.revoke_tokens(user)
    accounts.end_sessions(user)
    db.session.commit()
    click.echo(f"revoked {count} token(s) of {user.username}; their sessions have ended")


@users.command("set-password")
@click.argument("username")
def set_password(username):
    """Give a user a new password (prompted, or read from stdin) and end their sessions."""
    user = _user(username)
    password = read_password()
    try:
        accounts.change_password(user, password)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"changed the password of {user.username}; their sessions have ended")


@users.command("list")
def list_users():
    """List users: username, role, region or stations, and whether they are active."""
    rows = [("USERNAME", "ROLE", "SCOPE", "ACTIVE")]
    rows += [(u.username, u.role, _scope_text(u), "yes" if u.active else "no") for u in accounts.list_users()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@users.command("disable")
@click.argument("username")
def disable(username):
    """Disable a user: no more logins, their sessions end and their API tokens are revoked."""
    user = _user(username)
    count = accounts.disable_user(user)
    db.session.commit()
    click.echo(f"disabled {user.username}; revoked {count} token(s); their sessions have ended")


@users.command("enable")
@click.argument("username")
def enable(username):
    """Let a disabled user log in again; old sessions and API tokens stay ended."""
    user = _user(username)
    accounts.enable_user(user)
    db.session.commit()
    click.echo(f"enabled {user.username}; their old sessions and API tokens stay ended")
