"""Write Open311 answers as the spec's JSON (top-level lists) or XML (its element names)."""

import re
import xml.etree.ElementTree as ET

from flask import Response, current_app, request

from stationfinder.api.common import json_response

FORMATS = ("json", "xml")
XML = "application/xml"
# In XML, the items of these lists have their own element names (spec: service definition).
_ITEMS = {"attributes": "attribute", "values": "value"}
# Characters XML 1.0 cannot hold at all, even escaped: a station name or note with one stays readable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def asked_format() -> str:
    """Return the format the URL asks for: its extension, JSON unless it ends in .xml."""
    fmt = (request.view_args or {}).get("fmt")
    if fmt in FORMATS:
        return fmt
    return "xml" if request.path.endswith(".xml") else "json"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _append(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _append(element, _ITEMS[name], item)
    else:
        element.text = _text(value)


def to_xml(body, root: str, item: str | None = None) -> bytes:
    """Return a list (each entry an ``item`` element) or an object as an XML document under ``root``."""
    element = ET.Element(root)
    if item is None:
        for key, value in body.items():
            _append(element, key, value)
    else:
        for entry in body:
            _append(element, item, entry)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def render(body, fmt: str, *, root: str, item: str | None = None, status: int = 200) -> Response:
    """Return the answer in the asked format: JSON as it is, XML under ``root`` (items as ``item``)."""
    if fmt == "xml":
        return current_app.response_class(to_xml(body, root, item), status=status, mimetype=XML)
    return json_response(body, status)


__all__ = ["FORMATS", "XML", "asked_format", "render", "to_xml"]
