"""Tracking codes a rider can read out over the phone: 8 characters, none that look or sound alike."""

import re
import secrets

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Report
from stationfinder.models.report import CODE_LENGTH

# No 0/O, 1/I/L or U (U reads as V): 30 symbols, 30**8 ≈ 6.6e11 codes.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_code() -> str:
    """Return a fresh random tracking code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def unused_code() -> str:
    """Return a tracking code no report has yet."""
    # Collisions are astronomically rare; checking keeps a unique violation out of the caller's transaction.
    for _ in range(10):
        code = new_code()
        if db.session.scalar(sa.select(Report.id).where(Report.code == code)) is None:
            return code
    raise RuntimeError("could not draw an unused report code")


def normalize(text: str | None) -> str | None:
    """Return the code a rider meant (any case, grouped as ABCD-EFGH), or None when it cannot be one."""
    if not isinstance(text, str):
        return None
    code = _SEPARATORS.sub("", text.upper())
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


__all__ = ["ALPHABET", "new_code", "normalize", "unused_code"]
