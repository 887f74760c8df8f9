"""GB/T 2260 region codes (adcodes): a 6-digit code whose trailing "00" pairs widen it.

520502 is 七星关区 (a county), 520500 is 毕节市 (its city), 520000 is 贵州省.
``ancestors`` is the one statement of that hierarchy: the rollups, the unique-device
scopes and the statistics all take a code's areas from it (``ancestors_sql`` says the
same in SQL, for statements that group many rows at once).
"""

import re
from typing import NamedTuple

import sqlalchemy as sa

_CODE = re.compile(r"^[1-9][0-9]{5}$")
# The area key of the whole country; real codes never start with 0.
NATIONAL = "000000"
LEVELS = ("national", "province", "city", "county")
# Each level below the country and the leading digits of a code that name it: a code has the
# level when that level's own pair of digits is not "00" (520500 has a city and no county).
_DIGITS = (("province", 2), ("city", 4), ("county", 6))


class InvalidRegion(ValueError):
    """Raised for a string that is not a 6-digit region code."""


def validate(code: str | None) -> str:
    """Return a valid 6-digit region code, or raise InvalidRegion."""
    code = (code or "").strip()
    if not _CODE.match(code):
        raise InvalidRegion(f"region code {code!r} must be 6 digits, e.g. 520502")
    return code


def prefix(code: str) -> str:
    """Return the prefix every code inside a region starts with (520500 -> "5205")."""
    code = validate(code)
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def level(code: str) -> str:
    """Return "province", "city" or "county" for a region code."""
    return {2: "province", 4: "city", 6: "county"}[len(prefix(code))]


def contains(outer: str, inner: str | None) -> bool:
    """Return whether region ``inner`` (or a station's code) lies inside ``outer``."""
    if not inner:
        return False
    return inner.startswith(prefix(outer)) and len(prefix(inner)) >= len(prefix(outer))


def clause(column, code: str):
    """Return a SQL condition selecting rows whose region code lies inside ``code``."""
    return column.like(prefix(code) + "%")


class Area(NamedTuple):
    """One area a code counts in: its code, the code one level up ("" for the country), its level."""

    code: str
    parent: str
    level: str


def ancestors(code: str | None) -> list[Area]:
    """Return the areas a station or region with this code counts in, country first, the code's own last.

    520502 -> the country, 520000, 520500, 520502; 520500 -> the country, 520000, 520500 (a code
    whose prefix is a city's has no county); an empty or invalid code -> the country alone.
    """
    out = [Area(NATIONAL, "", "national")]
    try:
        code = validate(code)
    except InvalidRegion:
        return out
    for name, digits in _DIGITS:
        if code[digits - 2 : digits] != "00":
            out.append(Area(code[:digits].ljust(6, "0"), out[-1].code, name))
    return out


def ancestors_sql(column, valid) -> list[tuple[str, object, object, object]]:
    """Return ``ancestors`` of a region-code column as SQL: (level, area, parent, condition) per level.

    A row has the level's area where ``condition`` holds (None: always); ``valid`` is the
    dialect's test that the column holds a 6-digit code.
    """
    national = _text(NATIONAL)
    out: list[tuple[str, object, object, object]] = [("national", national, _text(""), None)]
    for name, digits in _DIGITS:
        area = (
            column
            if digits == 6
            else sa.func.substr(column, 1, digits, type_=sa.String) + _text("0" * (6 - digits))
        )
        own_pair = sa.func.substr(column, digits - 1, 2, type_=sa.String) != _text("00")
        out.append((name, area, out[-1][1], sa.and_(valid, own_pair)))
    return out


def _text(constant: str):
    # Inline, as one would write the SQL by hand (they are digits, never input).
    return sa.literal_column(f"'{constant}'", sa.String)


def level_of(code: str) -> str:
    """Return the level of an area code: "national" for ``NATIONAL``, else ``level``."""
    return "national" if code == NATIONAL else level(code)


__all__ = [
    "LEVELS", "NATIONAL", "Area", "InvalidRegion", "ancestors", "ancestors_sql", "clause",
    "contains", "level", "level_of", "prefix", "validate",
]  # fmt: skip
