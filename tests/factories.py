"""factory_boy factories for test data; each helper appends the factories it needs."""

import functools

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from stationfinder.extensions import db
from stationfinder.models import Role, Station, User


class BaseFactory(SQLAlchemyModelFactory):
    """Add rows to the app's session and flush them."""

    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class StationFactory(BaseFactory):
    """A public, open station in Guiyang (WGS-84)."""

    class Meta:
        model = Station

    ref = factory.Sequence(lambda n: f"st-{n}")
    name = factory.Sequence(lambda n: f"驿站 {n}")
    address = "贵阳市云岩区"
    lat = factory.Sequence(lambda n: 26.5 + (n % 100) * 0.001)
    lon = factory.Sequence(lambda n: 106.7 + (n % 100) * 0.001)
    region_code = "520103"
    amenity_mask = 0
    opening_hours = "24/7"


# Every factory user has this password. Its hash is a cheap one (werkzeug checks any method):
# scrypt takes a quarter second per login, which access-control matrices would pay hundreds of times.
PASSWORD = "correct horse battery"


@functools.cache
def _password_hash() -> str:
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class UserFactory(BaseFactory):
    """An active staff member of 贵阳市 (520100) whose password is ``PASSWORD``.

    ``UserFactory(admin=True)``, ``UserFactory(manager=True, stations=[s])`` and
    ``UserFactory(region_code="520500")`` make the other roles and regions.
    """

    class Meta:
        model = User

    class Params:
        admin = factory.Trait(role=Role.ADMIN.value, region_code=None)
        manager = factory.Trait(role=Role.MANAGER.value, region_code=None)

    username = factory.Sequence(lambda n: f"user{n}")
    password_hash = factory.LazyFunction(_password_hash)
    role = Role.STAFF.value
    region_code = "520100"
    active = True

    @factory.post_generation
    def stations(obj, create, extracted, **kwargs):  # noqa: N805 (factory_boy passes the object)
        if extracted:
            obj.stations = list(extracted)
