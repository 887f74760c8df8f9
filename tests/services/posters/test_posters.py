"""Poster tokens and short codes: unguessable, unique, typable, revocable."""

import base64
import math
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import AuditEntry, Poster
from stationfinder.services.errors import Gone, NotFound
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory, UserFactory


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def test_token_carries_at_least_96_random_bits_and_is_url_safe():
    tokens = {posters.new_token() for _ in range(5000)}
    assert len(tokens) == 5000
    for token in list(tokens)[:200]:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 96
    # Every base64 position varies: no fixed prefix or counter hides in the token.
    for position in range(len(next(iter(tokens)))):
        assert len({t[position] for t in tokens}) > 32


def test_short_code_uses_the_unambiguous_alphabet_with_enough_entropy():
    codes = [posters.new_short_code() for _ in range(3000)]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 8 and set(c) <= set(posters.CODE_ALPHABET) for c in codes)
    assert not set("ILOU") & set(posters.CODE_ALPHABET)
    assert 8 * math.log2(len(posters.CODE_ALPHABET)) == 40


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("abcd-2345", "ABCD2345"),
        (" ab cd 23 45 ", "ABCD2345"),
        ("0O1I-L234", "00111234"),
        ("ABCD_2345", "ABCD2345"),
    ],
)
def test_typed_codes_are_normalized(typed, meant):
    assert posters.normalize_code(typed) == meant


@pytest.mark.parametrize(
    "typed", ["", None, "ABCD234", "ABCD23456", "ABCU2345", "ABCD-23#5", "驿站驿站驿站驿站"]
)
def test_impossible_codes_are_refused(typed):
    assert posters.normalize_code(typed) is None


def test_current_poster_creates_the_first_and_then_keeps_it(ctx):
    station = StationFactory()
    assert posters.current_poster(station, create=False) is None
    first = posters.current_poster(station)
    assert posters.current_poster(station).id == first.id
    assert first.active and len(first.token) >= 24
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Poster)) == 1


def test_posters_are_unique_across_stations(ctx):
    made = [posters.create_poster(StationFactory()) for _ in range(200)]
    assert len({p.token for p in made}) == 200
    assert len({p.short_code for p in made}) == 200


def test_rotate_retires_the_old_token_and_audits_who_did_it(ctx):
    station = StationFactory()
    user = UserFactory(admin=True)
    old = posters.current_poster(station)
    new = posters.rotate(station, user, grace=timedelta(0))
    assert new.token != old.token and new.short_code != old.short_code
    assert old.retired_at is not None
    with pytest.raises(Gone):
        posters.by_token(old.token)
    with pytest.raises(Gone):
        posters.by_short_code(old.short_code)
    assert posters.by_token(new.token).id == new.id
    assert posters.current_poster(station, create=False).id == new.id
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "poster_rotate")).one()
    assert entry.user_id == user.id and entry.station_id == station.id
    assert entry.changes == {
        "poster": [old.short_code, new.short_code],
        "old_posters_until": [None, old.retired_at.isoformat()],
    }
    # The token itself never goes into the audit history.
    assert old.token not in str(entry.changes)


def test_lookup_of_unknown_or_malformed_tokens_is_not_found(ctx):
    posters.current_poster(StationFactory())
    for token in ["x" * 24, "", None, "../../etc/passwd", "a" * 65, "短" * 24]:
        with pytest.raises(NotFound):
            posters.by_token(token)


def test_short_code_lookup_forgives_case_and_separators(ctx):
    poster = posters.current_poster(StationFactory())
    typed = poster.short_code[:4].lower() + " - " + poster.short_code[4:]
    assert posters.by_short_code(typed).id == poster.id


def test_checkin_url_is_built_from_the_public_base_url(ctx):
    poster = posters.current_poster(StationFactory())
    assert posters.checkin_url(poster, "https://sf.example.cn/") == f"https://sf.example.cn/c/{poster.token}"
