"""The anonymous read-only API answers without a session.

The nearest search is the request riders make most, on weak signals, and its answer comes from
memory. Opening and re-signing the session cookie was a large part of what the app did around it
(issue 15). The views marked here read no user and write nothing, so they get the null session.
They carry no rate limit either (riders share carrier NAT addresses), and limits are per view
(``stationfinder.limiting``), so no limiter work runs for them. Anything else, including the staff
statistics API that accepts a logged-in session, keeps the full path.
"""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, MapAdapter, Rule

_MARK = "public_read"


def public_read(view):
    """Mark a view as anonymous and read-only: no session is opened for it."""
    setattr(view, _MARK, True)
    return view


def _public_rules(app: Flask) -> MapAdapter:
    """Return a matcher of only the marked views' rules (built on first use, once per app).

    It is bound once, to no host: the app routes by path alone, and binding per request (reading the
    host, scheme and script name from the environ) cost more than the match itself.
    """
    found = app.extensions.get("public_reads")
    if found is None:
        rules = [
            Rule(rule.rule, endpoint=rule.endpoint, methods=["GET"])
            for rule in app.url_map.iter_rules()
            if getattr(app.view_functions.get(rule.endpoint), _MARK, False)
        ]
        public = Map(rules, strict_slashes=app.url_map.strict_slashes)
        found = app.extensions["public_reads"] = public.bind("public-reads")
    return found


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that public reads get the null session (no cookie work)."""

    def open_session(self, app, request):
        # Flask opens the session before it routes the request, so route it against the few public
        # rules here: a match is a public read (HEAD is matched as GET).
        try:
            _public_rules(app).match(request.path, method=request.method)
        except HTTPException:
            return super().open_session(app, request)
        return self.make_null_session(app)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()


__all__ = ["SessionInterface", "init_app", "public_read"]
