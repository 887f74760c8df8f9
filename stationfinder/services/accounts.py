"""Accounts, roles, scopes and API tokens."""

from flask import Flask

from stationfinder.extensions import db, login
from stationfinder.models import User


def init_login(app: Flask) -> None:
    """Wire Flask-Login to our users."""
    login.login_view = "auth.login"

    @login.user_loader
    def _load_user(user_id: str):
        if not user_id.isdigit():
            return None
        return db.session.get(User, int(user_id))
