"""Spreadsheet cells that stay text: no written value can run as a formula (CSV/formula injection).

Every CSV and XLSX writer of the project passes each cell through :func:`inert`;
the station import reads its own CSV back through :func:`revert`.
"""

# A spreadsheet runs a cell starting with one of these as a formula (= + - @, and DDE through them);
# tab, CR and NUL complete the lists of OWASP and ASVS 5.0 (V1.2.10). Chinese and Japanese input
# methods type the fullwidth forms, which some spreadsheets take as formulas too.
FORMULA_START = frozenset("=+-@\t\r\x00\uff1d\uff0b\uff0d\uff20")
# The apostrophe is the spreadsheets' own "this is text" mark.
ESCAPE = "'"


def formula_like(text: str) -> bool:
    """Return whether a spreadsheet could read this text as a formula, leading whitespace ignored."""
    return bool(text) and (text[0] in FORMULA_START or text.lstrip()[:1] in FORMULA_START)


def inert(value):
    """Return a cell value as a spreadsheet must show it: formula-like text behind an apostrophe.

    Numbers, dates and None pass unchanged. Text already starting with an apostrophe
    gets one more, so that :func:`revert` gives back exactly the value written.
    """
    if isinstance(value, str) and (value.startswith(ESCAPE) or formula_like(value)):
        return ESCAPE + value
    return value


def revert(text: str) -> str:
    """Return the value that :func:`inert` turned into this cell text (any other text unchanged)."""
    rest = text[1:]
    if text.startswith(ESCAPE) and (rest.startswith(ESCAPE) or formula_like(rest)):
        return rest
    return text
