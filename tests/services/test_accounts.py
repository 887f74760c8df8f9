"""Accounts: role rules, password hashes, scopes, and API tokens (unguessable, hashed, revocable)."""

import base64

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import ApiToken, Base, Station, User
from stationfinder.services import accounts
from stationfinder.services.errors import InvalidInput
from tests.factories import PASSWORD, StationFactory, UserFactory

GOOD = "a-long-enough-password"


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def test_create_staff_stores_an_scrypt_hash(ctx):
    user = accounts.create_user("gy_staff", GOOD, "staff", region="520100")
    db.session.commit()
    stored = db.session.scalar(sa.select(User).where(User.username == "gy_staff"))
    assert stored.role == "staff" and stored.region_code == "520100" and stored.active
    assert stored.password_hash.startswith("scrypt:")
    assert GOOD not in stored.password_hash
    assert user.check_password(GOOD) and not user.check_password(GOOD + "x")


def test_create_manager_with_stations_by_ref_and_id(ctx):
    a = StationFactory(ref="GY-1")
    b = StationFactory()
    user = accounts.create_user("mgr", GOOD, "manager", station_keys=["GY-1", str(b.id)])
    assert {s.id for s in user.stations} == {a.id, b.id}
    assert accounts.scope_of(user).station_ids == frozenset({a.id, b.id})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "x", "password": "short", "role": "admin"}, "at least 10"),
        ({"username": "", "password": GOOD, "role": "admin"}, "username"),
        ({"username": "x", "password": GOOD, "role": "root"}, "role"),
        ({"username": "x", "password": GOOD, "role": "staff"}, "--region"),
        ({"username": "x", "password": GOOD, "role": "staff", "region": "5205"}, "6 digits"),
        ({"username": "x", "password": GOOD, "role": "admin", "region": "520500"}, "only staff"),
        ({"username": "x", "password": GOOD, "role": "manager"}, "--station"),
        ({"username": "x", "password": GOOD, "role": "manager", "station_keys": ["nope"]}, "no station"),
    ],
)
def test_create_user_refuses_bad_input(ctx, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        accounts.create_user(**kwargs)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_duplicate_username_is_refused(ctx):
    UserFactory(username="taken")
    with pytest.raises(InvalidInput, match="already exists"):
        accounts.create_user("taken", GOOD, "admin")


def test_authenticate(ctx):
    UserFactory(username="ok")
    UserFactory(username="off", active=False)
    assert accounts.authenticate("ok", PASSWORD).username == "ok"
    assert accounts.authenticate("ok", PASSWORD + "!") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    assert accounts.authenticate("off", PASSWORD) is None


@pytest.mark.parametrize(
    ("region", "inside", "outside"),
    [
        ("520000", ["520102", "520502", "520500"], ["510104", "530102"]),
        ("520500", ["520502", "520521"], ["520102", "520100", "520000"]),
        ("520502", ["520502"], ["520521", "520500"]),
    ],
)
def test_staff_scope_follows_the_region_code(ctx, region, inside, outside):
    staff = UserFactory(region_code=region)
    for code in inside:
        assert accounts.can_manage(staff, StationFactory(region_code=code)), code
    for code in outside:
        assert not accounts.can_manage(staff, StationFactory(region_code=code)), code
    assert not accounts.can_manage(staff, StationFactory(region_code=None))


def test_staff_without_a_region_sees_nothing_not_everything(ctx):
    staff = UserFactory(region_code="520000")
    staff.region_code = None  # only possible by editing the database; create_user refuses it
    scope = accounts.scope_of(staff)
    assert not scope.national and not scope.covers_region("520000")
    assert not accounts.can_manage(staff, StationFactory(region_code="520102"))


def test_manager_scope_is_their_stations_only(ctx):
    mine, other = StationFactory(), StationFactory()
    manager = UserFactory(manager=True, stations=[mine])
    assert accounts.can_manage(manager, mine)
    assert not accounts.can_manage(manager, other)
    ids = db.session.scalars(sa.select(Station.id).where(accounts.scope_of(manager).station_clause()))
    assert list(ids) == [mine.id]


def test_admin_and_disabled(ctx):
    station = StationFactory(region_code="650102")
    assert accounts.can_manage(UserFactory(admin=True), station)
    assert not accounts.can_manage(UserFactory(admin=True, active=False), station)


def test_tokens_are_256_bit_random_and_distinct(ctx):
    user = UserFactory()
    tokens = {accounts.issue_token(user) for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) >= 32


def _all_stored_text() -> str:
    """Return every value of every table, as text."""
    parts = []
    for table in Base.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_tokens_are_stored_hashed_only(ctx):
    user = UserFactory()
    token = accounts.issue_token(user)
    db.session.commit()
    stored = db.session.scalar(sa.select(ApiToken.token_hash))
    assert stored == accounts.hash_token(token) and stored != token
    assert token not in _all_stored_text()
    assert accounts.user_for_token(token).id == user.id


def test_revoked_and_disabled_tokens_stop_working(ctx):
    user, other = UserFactory(), UserFactory()
    first, second = accounts.issue_token(user), accounts.issue_token(user)
    kept = accounts.issue_token(other)
    assert accounts.revoke_tokens(user) == 2
    assert accounts.user_for_token(first) is None and accounts.user_for_token(second) is None
    assert accounts.user_for_token(kept).id == other.id
    third = accounts.issue_token(user)
    assert accounts.user_for_token(third).id == user.id
    assert accounts.disable_user(user) == 1
    assert accounts.user_for_token(third) is None
    assert not user.active


@pytest.mark.parametrize("junk", ["", "x", "a" * 500, "Bearer abc"])
def test_junk_tokens_match_nobody(ctx, junk):
    accounts.issue_token(UserFactory())
    assert accounts.user_for_token(junk) is None


def test_list_users_by_name(ctx):
    UserFactory(username="b")
    UserFactory(username="a")
    assert [u.username for u in accounts.list_users()] == ["a", "b"]
