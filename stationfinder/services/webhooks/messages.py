"""What a webhook receives: the message of a report's change, in the webhook's format.

A message is built when the change happens, in the transaction that writes it to the outbox, so
it tells the report as it was then. Sending adds only the moment it goes out (``wire``).

- ``wecom``: a WeCom (企业微信) group robot's markdown message, in Chinese, with the category, the
  station or the rounded place, the status, the tracking code and a link to the ticket.
- ``json``: the report's public view (``reports.shapes.public``) and the event name, signed with
  HMAC-SHA256 of the body under the webhook's secret. The body carries the timestamp too, so the
  signature covers it and a receiver can refuse a replayed delivery.

Neither ever holds a rider's device data, the description or the photo.
"""

import hashlib
import hmac

import orjson
from flask_babel import force_locale, gettext

from stationfinder.models import Report, Webhook
from stationfinder.report_words import category_label, region_name, status_label
from stationfinder.services.reports import shapes

EVENTS = ("report.filed", "report.changed")
SIGNATURE_HEADER = "X-Stationfinder-Signature"
TIMESTAMP_HEADER = "X-Stationfinder-Timestamp"
EVENT_HEADER = "X-Stationfinder-Event"
DELIVERY_HEADER = "X-Stationfinder-Delivery"
# The WeCom robot refuses markdown content over 4096 bytes; ours is far shorter, but a station name is input.
WECOM_MAX_BYTES = 4096


def build(webhook: Webhook, report: Report, event: str, *, note: str, base_url: str) -> dict:
    """Return the message of ``event`` for a webhook's format; ``note`` is the change's public note."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    if webhook.format == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": _wecom_text(report, event, note, base_url)}}
    view = shapes.public(report)
    return {"event": event, "report": view, "note": note, "manage_url": manage_url(report, base_url)}


def manage_url(report: Report, base_url: str) -> str:
    """Return the address of a report's ticket on the staff pages."""
    return f"{base_url.rstrip('/')}/manage/reports/{report.code}"


def _place(report: Report) -> str:
    if report.station is not None:
        return _markdown_safe(report.station.name)
    where = _markdown_safe(region_name(report.region_code, "zh"))
    if report.lat is None or report.lon is None:
        return where
    return f"{where} ({report.lat:.{shapes.PUBLIC_DECIMALS}f}, {report.lon:.{shapes.PUBLIC_DECIMALS}f})"


def _wecom_text(report: Report, event: str, note: str, base_url: str) -> str:
    # The group reads Chinese whatever language the person who made the change uses.
    with force_locale("zh_Hans_CN"):
        title = gettext("New rider report") if event == "report.filed" else gettext("Report updated")
        lines = [
            f"**{title}：{category_label(report.category)}**",
            "> " + gettext("Where: %(place)s", place=_place(report)),
            "> " + gettext("Status: %(status)s", status=status_label(report.status)),
            "> " + gettext("Tracking code: %(code)s", code=report.code),
        ]
        if note:
            lines.append("> " + gettext("Note: %(note)s", note=_markdown_safe(note[:200])))
        link = gettext("Open the ticket")
        lines.append(f"[{link}]({manage_url(report, base_url)})")
    text = "\n".join(lines)
    while len(text.encode()) > WECOM_MAX_BYTES:
        text = text[: len(text) - 64]
    return text


def _markdown_safe(text: str) -> str:
    """Keep input from adding links, headings or font tags to a group message."""
    for char in "[]()<>*`#_":
        text = text.replace(char, " ")
    return " ".join(text.split())


def wire(
    webhook: Webhook, message: dict, *, timestamp: int, delivery_id: int
) -> tuple[bytes, dict[str, str]]:
    """Return the body and headers that send a message now (``timestamp``: Unix seconds)."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        DELIVERY_HEADER: str(delivery_id),
    }
    if webhook.format == "wecom":
        return orjson.dumps(message), headers
    body = orjson.dumps(message | {"timestamp": timestamp, "delivery": delivery_id})
    headers[EVENT_HEADER] = message["event"]
    headers[TIMESTAMP_HEADER] = str(timestamp)
    if webhook.secret:
        headers[SIGNATURE_HEADER] = "sha256=" + sign(webhook.secret, body)
    return body, headers


def sign(secret: str, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of a body under a secret, as receivers compute it to check."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def accepted(webhook: Webhook, status: int | None, body: bytes) -> tuple[bool, str]:
    """Return whether the receiver took a message, and why not.

    WeCom answers 200 even when it refuses (a wrong key, a rate limit): its ``errcode`` says.
    """
    if status is None or not 200 <= status < 300:
        return False, f"HTTP {status}"
    if webhook.format != "wecom":
        return True, ""
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False, "WeCom answered without JSON"
    code = answer.get("errcode") if isinstance(answer, dict) else None
    if code == 0:
        return True, ""
    return False, f"WeCom errcode {code}: {str(answer.get('errmsg', ''))[:100]}"


__all__ = [
    "DELIVERY_HEADER", "EVENTS", "EVENT_HEADER", "SIGNATURE_HEADER", "TIMESTAMP_HEADER",
    "accepted", "build", "manage_url", "sign", "wire",
]  # fmt: skip
