"""Posting the rider report forms as a browser does, and reading the pages that answer."""

import html
import io
import re
from html.parser import HTMLParser

import sqlalchemy as sa
from werkzeug.test import EnvironBuilder

from stationfinder.extensions import db
from stationfinder.models import Report

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def post(client, path: str, photo: bytes | None = None, headers=None, **fields):
    """Post a multipart form as a browser does; the body's temporary file is closed afterwards."""
    data = {key: str(value) for key, value in fields.items()}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "IMG_0001.jpg")
    builder = EnvironBuilder(
        path=path, method="POST", data=data, content_type="multipart/form-data", headers=headers or ZH
    )
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def text(response) -> str:
    """Return a page's text with its HTML entities read."""
    return html.unescape(response.get_data(as_text=True))


def alerts(response) -> list[str]:
    """Return the messages a page shows in its alerts."""
    return [html.unescape(m) for m in re.findall(r'role="alert">([^<]*)<', response.get_data(as_text=True))]


def all_reports(app) -> list[Report]:
    """Return every stored report, oldest first."""
    with app.app_context():
        found = list(db.session.scalars(sa.select(Report).order_by(Report.id)))
        db.session.expunge_all()
        return found


def code_of(response) -> str:
    """Return the tracking code a filed report's redirect names."""
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    match = re.fullmatch(r"/r/([2-9A-Z]{8})\?new=(1|merged)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


class Controls(HTMLParser):
    """Collect a page's form controls, the ids that labels name, and the controls inside labels."""

    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in ("input", "textarea", "select") and attrs.get("type") != "hidden":
            self.controls.append(attrs | {"tag": tag, "wrapped": self.depth > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self.depth -= 1


def unlabelled(body: str) -> list[dict]:
    """Return the visible form controls of a page that no label names."""
    parser = Controls()
    parser.feed(body)
    return [c for c in parser.controls if not c["wrapped"] and c.get("id") not in parser.label_for]
