"""GB/T 2260 region codes (adcodes): a 6-digit code whose trailing "00" pairs widen it.

520502 is 七星关区 (a county), 520500 is 毕节市 (its city), 520000 is 贵州省.
"""

import re

_CODE = re.compile(r"^[1-9][0-9]{5}$")


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


def city_of(code: str) -> str:
    """Return the city-level code of a county code (520502 -> 520500)."""
    return validate(code)[:4] + "00"


def province_of(code: str) -> str:
    """Return the province-level code (520502 -> 520000)."""
    return validate(code)[:2] + "0000"


__all__ = ["InvalidRegion", "city_of", "clause", "contains", "level", "prefix", "province_of", "validate"]
