"""Routes of the auth blueprint: log in, log out, and the staff navigation they share."""

import math
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME
from flask_wtf.csrf import CSRFError

from stationfinder import errors
from stationfinder.auth import bp
from stationfinder.auth.forms import LoginForm, PasswordForm
from stationfinder.extensions import db, login
from stationfinder.limiting import RateLimitExceeded
from stationfinder.models import Role
from stationfinder.ratelimits import forget_login_failures, login_address_limit, login_limit
from stationfinder.services import accounts
from stationfinder.services.outbox import listing as outbox_listing
from stationfinder.services.reports import figures as report_figures

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


def _home() -> str:
    return url_for("manage.index")


@bp.route("/login", methods=["GET", "POST"], endpoint="login")
@login_address_limit
@login_limit
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
            forget_login_failures()
            return redirect(next_url or _home())
        form.password.errors.append(_("Wrong username or password, or the account is disabled."))
    return render_template("auth/login.html", form=form, next_url=next_url)


@bp.errorhandler(RateLimitExceeded)
def too_many_logins(error):
    """Answer a throttled login with the login page and a wait time."""
    seconds = error.retry_after
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
    """Log out, ending every session and remember cookie of this user, and forget the session."""
    if current_user.is_authenticated:
        # A copied session or remember cookie must not outlive the logout (on any device).
        accounts.end_sessions(current_user._get_current_object())
        db.session.commit()
    # Cleared first: logout_user() then marks the remember cookie for deletion in the fresh session.
    session.clear()
    logout_user()
    flash(_("You are logged out."))
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"], endpoint="password")
@login_address_limit
@login_required
def change_password():
    """Let a logged-in user change their password; every other session of theirs ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            try:
                accounts.change_password(user, form.new_password.data)
            except accounts.WeakPassword as exc:
                form.new_password.errors.append(str(exc))
            else:
                db.session.commit()
                # The bump ended this session too; carry on in a fresh one on the new version.
                remembered = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
                session.clear()
                login_user(user, remember=remembered, duration=REMEMBER_FOR)
                flash(_("Your password is changed. You are logged out on your other devices."))
                return redirect(_home())
    return render_template("auth/password.html", form=form, min_length=accounts.MIN_PASSWORD_LENGTH)


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
        inbox = "manage.reports" in views
        links = [
            (_("Stations"), url_for("manage.index"), "manage", True),
            (
                _inbox_label() if inbox else "",
                url_for("manage.reports") if inbox else "",
                "manage.reports",
                inbox,
            ),
            (_("Posters"), url_for("manage.region_posters") if bulk else "", "manage.region_posters", bulk),
            (
                _("Dashboard"),
                url_for("dashboard.index") if "dashboard.index" in views else "",
                "dashboard",
                True,
            ),
        ]
        # Staff without a region and managers look after no region, so they get no notifications and
        # no coverage page (coverage is planned for a region; admins pick one).
        regional = current_user.role == Role.ADMIN or (
            current_user.role == Role.STAFF and bool(current_user.region_code)
        )
        notify = "manage.webhooks" in views and regional
        if regional and "dashboard.coverage" in views:
            links.append((_("Coverage"), url_for("dashboard.coverage"), "dashboard.coverage", True))
        if notify:
            links += [
                (_("Notifications"), url_for("manage.webhooks"), "manage.webhooks", True),
                (_outbox_label(), url_for("manage.outbox"), "manage.outbox", True),
            ]
        current = request.endpoint if request.endpoint == "manage.region_posters" else request.blueprint
        if request.endpoint in ("manage.reports", "manage.report", "manage.report_photo"):
            current = "manage.reports"
        if request.endpoint in ("manage.webhooks", "manage.webhook_remove"):
            current = "manage.webhooks"
        if request.endpoint in ("manage.outbox", "manage.outbox_retry"):
            current = "manage.outbox"
        if request.endpoint in ("dashboard.coverage", "dashboard.coverage_export"):
            current = "dashboard.coverage"
        return [(label, url, key == current) for label, url, key, shown in links if shown and url]

    return {"staff_nav_links": staff_nav_links}


def _outbox_label() -> str:
    """Return the outbox's menu label, with how many notifications in the user's scope were given up on."""
    count = outbox_listing.counts(accounts.scope_of(current_user))["abandoned"]
    return _("Outbox (%(count)s failed)", count=count) if count else _("Outbox")


def _inbox_label() -> str:
    """Return the reports inbox's menu label, with how many reports in the user's scope are open."""
    count = report_figures.open_count(accounts.scope_of(current_user))
    return _("Reports (%(count)s open)", count=count) if count else _("Reports")
