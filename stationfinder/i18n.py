"""Locale choice: an explicit switch (cookie or ?lang=), then Accept-Language, then Chinese."""

from flask import Flask, request, url_for
from flask_babel import get_locale

from stationfinder.extensions import babel

SUPPORTED = ("zh_Hans_CN", "en")
LANG_COOKIE = "lang"


def select_locale() -> str:
    """Return the locale for this request."""
    asked = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked:
        asked = asked.replace("-", "_").lower()
        if asked.startswith("en"):
            return "en"
        if asked.startswith("zh"):
            return "zh_Hans_CN"
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"], default="zh")
    return "en" if best.startswith("en") else "zh_Hans_CN"


def current_lang() -> str:
    """Return the short language tag for templates and data labels ("zh" or "en")."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def html_lang() -> str:
    """Return the BCP 47 tag for the <html lang> attribute."""
    return "en" if current_lang() == "en" else "zh-CN"


def switch_url(lang: str) -> str:
    """Return this page in another language, keeping its query (a chosen category, a search)."""
    # Names url_for reads itself (endpoint, _external, _scheme…) are not a page's query: dropped, so a
    # crafted link cannot make the switch fail or point elsewhere.
    kept = {k: v for k, v in request.args.items() if k not in ("lang", "endpoint") and not k.startswith("_")}
    values = {**kept, **(request.view_args or {}), "lang": lang}
    return url_for(request.endpoint or "rider.index", **values)


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our locale selector and template helpers."""
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    app.jinja_env.globals.update(current_lang=current_lang, html_lang=html_lang, switch_url=switch_url)

    @app.after_request
    def _remember_switch(response):
        asked = request.args.get("lang")
        if asked in ("zh", "zh-CN", "en"):
            response.set_cookie(LANG_COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        return response
