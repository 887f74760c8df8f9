"""Report notifications on the manage side: a region's webhooks, and the messages given up on."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from stationfinder.extensions import db
from stationfinder.i18n import current_lang
from stationfinder.manage import bp
from stationfinder.manage.webhook_forms import FORMAT_LABELS, WebhookForm
from stationfinder.models import OutboxMessage, Role, Webhook
from stationfinder.report_words import region_name
from stationfinder.services import errors
from stationfinder.services.accounts import Scope, scope_of
from stationfinder.services.outbox import listing
from stationfinder.services.webhooks import destinations, registry
from stationfinder.staff_words import area_text, forbidden

# Ids past a database integer name nothing, and PostgreSQL would refuse to compare with them.
MAX_ID = 2**31 - 1
EVENT_LABELS = {
    "report.filed": _l("New report"),
    "report.changed": _l("Report changed"),
}
# Every reason destinations.Refused gives, in words a district office can act on.
REFUSALS = {
    "too_long": _l("The address is too long. Copy it again from WeCom or the case system."),
    "malformed": _l(
        "The address has a space, a backslash or a # in it, or cannot be read. Copy it again, whole."
    ),
    "userinfo": _l("The address may not carry a user name or password (user:password@)."),
    "host": _l("The address has no valid server name."),
    "port": _l("The port number in the address is not valid (1 to 65535)."),
    "unresolvable": _l("The server name in the address cannot be found. Check it for typing mistakes."),
    "private": _l(
        "The address points to a private or local network. Notifications go only to public addresses; "
        "for an office's intranet robot, ask an administrator."
    ),
    "metadata": _l("The address points to a link-local or cloud metadata address, which is never allowed."),
}


def _scope() -> Scope:
    """Return the user's scope; a 403 page for managers and staff without a region."""
    # Checked by role, for a friendly page: managers and staff without a region have no region's webhooks.
    if current_user.role == Role.ADMIN or (current_user.role == Role.STAFF and current_user.region_code):
        return scope_of(current_user)
    raise forbidden(_("Only district staff and administrators manage report notifications."))


def _refusal(exc: destinations.Refused) -> str:
    if exc.reason == "scheme":
        if current_app.config["APP_ENV"] == "production":
            return _("The address must start with https://.")
        return _("The address must start with https:// (or http:// on this test server).")
    message = REFUSALS.get(exc.reason)
    return str(message) if message else _("The server may not send to this address.")


def _region(code: str) -> str:
    return f"{region_name(code, current_lang())} ({code})"


def _webhook_rows(scope: Scope) -> list[dict]:
    return [
        {
            "webhook": webhook,
            "region": _region(webhook.region_code),
            "url": registry.masked(webhook.url),
            "format": FORMAT_LABELS.get(webhook.format, webhook.format),
        }
        for webhook in registry.listed(scope)
    ]


def _blank_form() -> WebhookForm:
    form = WebhookForm(formdata=None)
    form.region_code.data = current_user.region_code or ""
    return form


def _page(scope: Scope, form: WebhookForm, status: int = 200, notice: str | None = None, created=None):
    response = current_app.make_response(
        (
            render_template(
                "manage/webhooks.html",
                form=form,
                rows=_webhook_rows(scope),
                notice=notice,
                created=created,
                area=area_text(current_user),
                national=scope.national,
            ),
            status,
        )
    )
    # The page may hold a secret shown once: neither a cache nor the back button may keep it.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/webhooks", methods=["GET", "POST"])
def webhooks():
    """List the webhooks of the user's region and the regions inside it, and add one."""
    scope = _scope()
    if request.method == "GET":
        return _page(scope, _blank_form())
    form = WebhookForm()
    if not form.validate():
        return _page(scope, form, 422)
    try:
        registry.check_scope(scope, form.region_code.data)
        webhook, shown = registry.add(
            form.region_code.data,
            form.url.data,
            form.format.data,
            secret=form.secret.data or None,
            name=form.name.data or "",
            # Only `flask webhooks add --allow-private` may point at a private network.
            allow_private=False,
            allow_http=current_app.config["APP_ENV"] != "production",
            user=current_user,
        )
    except errors.Forbidden:
        db.session.rollback()
        message = _(
            "You may add notifications only for your region (%(area)s) or a region inside it.",
            area=area_text(current_user),
        )
        form.region_code.errors = [*form.region_code.errors, message]
        return _page(scope, form, 403)
    except destinations.Refused as exc:
        db.session.rollback()
        form.url.errors = [*form.url.errors, _refusal(exc)]
        return _page(scope, form, 400)
    except errors.InvalidInput:
        db.session.rollback()
        return _page(scope, form, 400, _("The webhook could not be added. Check the fields and try again."))
    db.session.commit()
    # Rendered here rather than redirected to, so the secret never travels in the session cookie.
    created = {"webhook": webhook, "region": _region(webhook.region_code), "secret": shown}
    return _page(scope, _blank_form(), 200, created=created)


@bp.post("/webhooks/<int:webhook_id>/remove")
def webhook_remove(webhook_id: int):
    """Remove a webhook once confirmed, with the messages it still had to send."""
    scope = _scope()
    if webhook_id > MAX_ID:
        abort(404)
    if request.form.get("understood") != "yes":
        notice = _("Tick the box beside “Remove” to confirm; nothing was removed.")
        return _page(scope, _blank_form(), 422, notice)
    try:
        webhook = registry.remove(webhook_id, scope)
    except errors.NotFound:
        abort(404)
    db.session.commit()
    flash(_("The notification to “%(name)s” was removed.", name=_webhook_name(webhook)))
    return redirect(url_for("manage.webhooks"), 303)


def _webhook_name(webhook: Webhook) -> str:
    return webhook.name or registry.masked(webhook.url)


def _message_row(message: OutboxMessage) -> dict:
    webhook = message.webhook
    masked = registry.masked(webhook.url)
    # A sender's error text may quote the URL, and a WeCom robot's key is in it.
    error = (message.last_error or "").replace(webhook.url, masked)
    return {
        "message": message,
        "event": EVENT_LABELS.get(message.event, message.event),
        "code": message.report.code if message.report is not None else None,
        "webhook": webhook,
        "region": _region(webhook.region_code),
        "url": masked,
        "error": error,
        # The sender's error is often just "HTTP 500": say the status once.
        "status": None if error.startswith("HTTP ") else message.last_status,
    }


def _outbox_page(scope: Scope, status: int = 200, notice: str | None = None):
    return render_template(
        "manage/outbox.html",
        counts=listing.counts(scope),
        rows=[_message_row(message) for message in listing.abandoned(scope)],
        limit=listing.PAGE,
        max_tries=current_app.config["OUTBOX_MAX_TRIES"],
        notice=notice,
    ), status


@bp.get("/outbox")
def outbox():
    """Show how many notifications are pending, delivered and given up on, and those given up on."""
    return _outbox_page(_scope())


@bp.post("/outbox/<int:message_id>/retry")
def outbox_retry(message_id: int):
    """Send an abandoned notification again, with a fresh count of tries."""
    scope = _scope()
    if message_id > MAX_ID:
        abort(404)
    try:
        listing.retry(message_id, scope)
    except errors.NotFound:
        abort(404)
    except errors.Conflict:
        db.session.rollback()
        notice = _("That message is not given up on any more: someone has already sent it again.")
        return _outbox_page(scope, 409, notice)
    db.session.commit()
    flash(_("The message is queued and will be sent again shortly."))
    return redirect(url_for("manage.outbox"), 303)
