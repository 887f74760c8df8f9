"""Shared API pieces: a blueprint that answers malformed input with 400, and a truthful OpenAPI document.

Errors are answered centrally (stationfinder.errors) as RFC 9457 problem+json; flask-smorest would document
them as its own JSON ``Error`` shape, so ``document(api)`` rewrites that part of the spec.
"""

import http
import json
import weakref

import orjson
from apispec import BasePlugin
from flask import Response, current_app
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import INCLUDE, Schema, ValidationError, fields, missing, validate
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy

from stationfinder.errors import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
NUL_MESSAGE = "Must not contain NUL characters."
SURROGATE_MESSAGE = "Must be valid Unicode text (no lone surrogates)."


class _Proxy(MultiDictProxy):
    """webargs' proxy, answering an absent key without an exception.

    Werkzeug's ``MultiDict.get`` builds a ``BadRequestKeyError`` for each key a request leaves out,
    and a schema asks for every field it knows: that was a third of parsing the nearest search.
    """

    _multiple_keys: "weakref.WeakKeyDictionary[Schema, set[str]]" = weakref.WeakKeyDictionary()

    def _collect_multiple_keys(self, schema: Schema) -> set[str]:
        # A view's schema is made once, when the view is declared: work its list fields out once.
        found = self._multiple_keys.get(schema)
        if found is None:
            found = self._multiple_keys[schema] = super()._collect_multiple_keys(schema)
        return found

    def __getitem__(self, key: str):
        return super().__getitem__(key) if key in self.data else missing


class Parser(FlaskParser):
    """Answer malformed input with 400: failed validation, unstorable text, JSON nested too deeply."""

    DEFAULT_VALIDATION_STATUS = 400

    def _makeproxy(self, multidict, schema, *, cls=_Proxy):
        return super()._makeproxy(multidict, schema, cls=cls)

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            # Its caller answers "Invalid JSON body." (400); an empty doc would read as "no body" instead.
            raise json.JSONDecodeError("JSON nested too deeply", "<nested>", 0) from None

    def pre_load(self, location_data, *, schema, req, location):
        # Databases cannot store or even compare such text (PostgreSQL refuses NUL, both refuse lone
        # surrogates), so refuse it here, the same way on every database.
        data = location_data.data if isinstance(location_data, MultiDictProxy) else location_data
        if hasattr(data, "lists"):
            pairs = data.lists()
        else:
            pairs = data.items() if hasattr(data, "items") else [("_schema", data)]
        errors = {}
        for key, value in pairs:
            message = _text_problem(key) or _text_problem(value)
            if message:
                errors[str(key).encode("unicode_escape").decode("ascii")] = [message]
        if errors:
            raise ValidationError(errors)
        return location_data


def _text_problem(value) -> str | None:
    """Return why a string (or any string inside a JSON value) cannot be stored, or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return NUL_MESSAGE
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return SURROGATE_MESSAGE
        return None
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple):
        return next(filter(None, map(_text_problem, value)), None)
    return None


class Blueprint(SmorestBlueprint):
    """A flask-smorest blueprint that answers malformed input with 400, not 422."""

    ARGUMENTS_PARSER = Parser()


class Problem(Schema):
    """An RFC 9457 problem: every 4xx and 5xx of the API."""

    class Meta:
        # Problems may carry extension members (RFC 9457 section 3.2).
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"description": "URI naming the kind of problem."})
    title = fields.String(required=True, metadata={"description": "Short summary of the kind of problem."})
    status = fields.Integer(required=True, validate=validate.Range(400, 599))
    detail = fields.String(required=True, metadata={"description": "What went wrong with this request."})
    errors = fields.Dict(
        metadata={"description": "Invalid input: messages by field (present on validation errors)."}
    )


def _problem_response(description: str) -> dict:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}}


class ProblemResponses(BasePlugin):
    """Give every error response of every operation the problem+json body; document 413 on bodies."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            for code, response in list(responses.items()):
                if str(code) != "default" and int(code) < 400:
                    continue
                if isinstance(response, dict) and "content" not in response and "$ref" not in response:
                    response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
            # Any body is read under MAX_CONTENT_LENGTH, so every operation that takes one can answer 413.
            if "requestBody" in operation and not {413, "413"} & responses.keys():
                responses["413"] = _problem_response("The body is larger than the server accepts.")


def _exclusive_range(self, field, ret, **kwargs) -> dict:
    """Document ``Range(min_inclusive=False)`` bounds, which apispec writes as inclusive."""
    out = {}
    for validator in field.validators:
        if not isinstance(validator, validate.Range):
            continue
        if validator.min is not None and not validator.min_inclusive and "minimum" in ret:
            out["exclusiveMinimum"] = True
        if validator.max is not None and not validator.max_inclusive and "maximum" in ret:
            out["exclusiveMaximum"] = True
    return out


def document(api: Api) -> None:
    """Make the bound Api document what the API answers: problem+json errors, 413s, exclusive bounds.

    Call it after ``api.init_app`` and before registering blueprints (their operations are documented then).
    """
    spec = api.spec
    spec.components.schema("Problem", schema=Problem)
    # flask-smorest registered one lazy response per status (BAD_REQUEST, ...) with its Error schema;
    # lazy components can be registered again, and only the referenced ones reach the document.
    for status in http.HTTPStatus:
        if status >= 400:
            spec.components.response(status.name, _problem_response(status.phrase), lazy=True)
    spec.components.response(
        api.DEFAULT_ERROR_RESPONSE_NAME, _problem_response("Any other error."), lazy=True
    )
    # Nothing refers to flask-smorest's Error shape any more; the API never answers with it.
    spec.components.schemas.pop("Error", None)
    spec.plugins.append(ProblemResponses())
    api.ma_plugin.converter.add_attribute_function(_exclusive_range)


def json_response(body, status: int = 200) -> Response:
    """Return a body the view built in its documented schema's exact shape, written by orjson.

    For hot or large answers: dumping the body through marshmallow again and the
    standard json module would cost more than building it.
    """
    return current_app.response_class(orjson.dumps(body), status=status, mimetype="application/json")


def http_error(exc: Exception, cls, slug: str):
    """Turn a service's domain error into an HTTP error with its problem type slug."""
    error = cls(str(exc))
    error.problem_slug = slug
    return error
