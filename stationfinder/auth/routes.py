"""Routes of the auth blueprint: log in, log out, and the staff navigation they share."""

import hashlib
import math
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError

from stationfinder import errors
from stationfinder.auth import bp
from stationfinder.auth.forms import LoginForm
from stationfinder.extensions import limiter, login
from stationfinder.models import Role
from stationfinder.services import accounts

REMEMBER_FOR = timedelta(days=14)

login.login_message = _l("Please log in to open this page.")
login.localize_callback = str


def safe_next(target: str | None) -> str | None:
    """Return ``target`` when it is a path on this site, else None (no open redirects)."""
    if not target or len(target) > 2000:
        return None
    # "//host" and "/\host" are read by browsers as other hosts; control characters get stripped.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _login_key() -> str:
    username = (request.form.get("username") or "").strip().lower()[:64]
    # Hashed so the limiter's store (Redis) holds neither addresses nor usernames.
    digest = hashlib.sha256(f"{get_remote_address()}|{username}".encode()).hexdigest()
    return "login:" + digest[:32]


def _home() -> str:
    return url_for("manage.index")


@bp.route("/login", methods=["GET", "POST"], endpoint="login")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], key_func=_login_key, methods=["POST"])
def login_page():
    """Show the login form and log a user in."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or _home())
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data.strip(), form.password.data)
        if user is not None:
            # A fresh session on login: nothing set before it (e.g. by someone else) carries over.
            session.clear()
            login_user(user, remember=form.remember.data, duration=REMEMBER_FOR)
            return redirect(next_url or _home())
        form.password.errors.append(_("Wrong username or password, or the account is disabled."))
    return render_template("auth/login.html", form=form, next_url=next_url)


@bp.errorhandler(RateLimitExceeded)
def too_many_logins(error):
    """Answer a throttled login with the login page and a wait time."""
    reset_at = limiter.current_limit.reset_at if limiter.current_limit else time.time() + 60
    seconds = max(1, math.ceil(reset_at - time.time()))
    form = LoginForm(formdata=None)
    html = render_template(
        "auth/login.html",
        form=form,
        next_url=safe_next(request.args.get("next")),
        # The limiter's reset time is rounded up to a whole second: 901 s is still "15 minutes".
        throttled_minutes=max(1, math.ceil((seconds - 1) / 60)),
    )
    return html, 429, {"Retry-After": str(seconds)}


@bp.post("/logout")
def logout():
    """Log out and forget the session."""
    logout_user()
    session.clear()
    flash(_("You are logged out."))
    return redirect(url_for("auth.login"))


@bp.app_errorhandler(CSRFError)
def csrf_failed(error):
    """Explain a missing or stale form token in the user's language."""
    error.page_message = _(
        "This form has expired or was not sent from this site. Reload the page and try again."
    )
    return errors.handle_http_exception(error)


@bp.app_context_processor
def staff_nav():
    """Give templates the staff navigation links (used by _staff_nav.html)."""

    def staff_nav_links():
        """Return (label, url, is_current) for each section the user may open."""
        views = current_app.view_functions
        bulk = "manage.region_posters" in views and current_user.role != Role.MANAGER
        links = [
            (_("Stations"), url_for("manage.index"), "manage", True),
            (_("Posters"), url_for("manage.region_posters") if bulk else "", "manage.region_posters", bulk),
            (
                _("Dashboard"),
                url_for("dashboard.index") if "dashboard.index" in views else "",
                "dashboard",
                True,
            ),
        ]
        current = request.endpoint if request.endpoint == "manage.region_posters" else request.blueprint
        return [(label, url, key == current) for label, url, key, shown in links if shown and url]

    return {"staff_nav_links": staff_nav_links}
