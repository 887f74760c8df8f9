"""Spreadsheet cells: formula-like text is written behind an apostrophe, and read back exactly."""

import pytest

from stationfinder.services.cells import inert, revert

ESCAPED = [
    "=1+1",
    '=HYPERLINK("http://evil.test","x")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\n=1",
    "  =1",
    "\u3000=1",
    "\u00a0+1",
    "＝1",
    "＋1",
    "－1",
    "＠A1",
    "\t",
    "\x00=1",
    "'",
    "'=1",
    "''x",
]
KEPT = ["", "驿站", "a=1", "1-2", "2025-03-01", "x@example.test", " 1", "—", "Code"]


@pytest.mark.parametrize("text", ESCAPED)
def test_formula_like_text_gets_an_apostrophe_and_comes_back(text):
    assert inert(text) == "'" + text
    assert revert(inert(text)) == text


@pytest.mark.parametrize("text", KEPT)
def test_plain_text_is_kept(text):
    assert inert(text) == text
    assert revert(text) == text


@pytest.mark.parametrize("value", [None, 0, -1, -2.5, 1e-9, True])
def test_non_text_values_pass_unchanged(value):
    assert inert(value) is value


def test_a_hand_written_apostrophe_before_plain_text_stays():
    assert revert("'abc") == "'abc"
