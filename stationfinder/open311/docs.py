"""The OpenAPI documentation of Open311's answers: JSON by the schemas, XML with the spec's element names."""

from stationfinder.open311.formats import XML
from stationfinder.open311.schemas import Open311Error

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_XML_NOTE = "The same in XML, under the spec's elements ({root})."
_ERRORS = {
    400: "An argument is not valid: each one is named with what is wrong.",
    403: "No api_key, or one that is not a valid API token.",
    404: "No such service or request, or a format other than json and xml.",
    413: "The body is larger than the server accepts.",
    429: "Too many requests from this address; Retry-After says when to try again.",
}


def _content(json_schema, root: str) -> dict:
    return {
        JSON: {"schema": json_schema},
        XML: {"schema": {"type": "string", "description": _XML_NOTE.format(root=root)}},
    }


def answers(schema, description: str, *, many: bool = True, status: int = 200) -> dict:
    """Return the documented success answer: a JSON list (or object) of ``schema``, or its XML."""
    json_schema = {"type": "array", "items": schema} if many else schema
    root = "<service_requests><request>" if many else "<service_definition>"
    if schema.__name__ == "Open311Service":
        root = "<services><service>"
    return {str(status): {"description": description, "content": _content(json_schema, root)}}


def errors_of(*statuses: int) -> dict:
    """Return the documented errors, each in the spec's form, and that form for any other error."""
    error = {"type": "array", "items": Open311Error}
    out = {
        str(status): {"description": _ERRORS[status], "content": _content(error, "<errors><error>")}
        for status in statuses
    }
    out["default"] = {"description": "Any other error.", "content": _content(error, "<errors><error>")}
    return out


def form_body(schema) -> dict:
    """Return the documented form-encoded body of a POST."""
    return {"required": True, "content": {FORM: {"schema": schema}}}


__all__ = ["answers", "errors_of", "form_body"]
