"""Shared API pieces: a blueprint whose validation errors are 400, and common fields."""

from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser


class Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400


class Blueprint(SmorestBlueprint):
    """A flask-smorest blueprint that answers malformed input with 400, not 422."""

    ARGUMENTS_PARSER = Parser()
