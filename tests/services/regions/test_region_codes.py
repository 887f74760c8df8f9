"""Region codes: ``ancestors`` is the one hierarchy the rollups, scopes and statistics share."""

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.services.checkins.identity import scopes
from stationfinder.services.regions import codes as regions
from stationfinder.services.regions.codes import NATIONAL, Area
from stationfinder.services.rollups import counting as rollups

COUNTRY = Area(NATIONAL, "", "national")
GUIZHOU = ("520000", NATIONAL, "province")
BIJIE = ("520500", "520000", "city")
QIXINGGUAN = [COUNTRY, GUIZHOU, BIJIE, ("520502", "520500", "county")]
BEIJING = ("110000", NATIONAL, "province")


@pytest.mark.parametrize(
    "code, expected",
    [
        ("520502", QIXINGGUAN),
        # A station filed under a city counts in that city and its province, in no county.
        ("520500", [COUNTRY, GUIZHOU, BIJIE]),
        ("520000", [COUNTRY, GUIZHOU]),
        # Municipalities: 北京市, its 市辖区 and 东城区.
        ("110000", [COUNTRY, BEIJING]),
        ("110100", [COUNTRY, BEIJING, ("110100", "110000", "city")]),
        ("110101", [COUNTRY, BEIJING, ("110100", "110000", "city"), ("110101", "110100", "county")]),
        # No level has the code of another: a county straight under a province skips the city.
        ("520005", [COUNTRY, GUIZHOU, ("520005", "520000", "county")]),
        (" 520502 ", QIXINGGUAN),
        (None, [COUNTRY]),
        ("", [COUNTRY]),
        (NATIONAL, [COUNTRY]),
        ("52050", [COUNTRY]),
        ("5205021", [COUNTRY]),
        ("52O502", [COUNTRY]),
    ],
)  # fmt: skip
def test_ancestors_run_from_the_country_to_the_code_itself(code, expected):
    assert regions.ancestors(code) == expected
    assert [a.level for a in regions.ancestors(code)] == list(
        regions.LEVELS[: len(expected)]
    ) or code == "520005"
    assert rollups.areas_of(code) == expected


def test_scopes_are_the_station_and_its_ancestors_with_their_unique_bits():
    assert scopes(7, "520502") == [(1, "s:7"), (2, "d:520502"), (4, "c:520500"), (8, "p:520000"), (16, "*")]
    assert scopes(7, "520500") == [(1, "s:7"), (4, "c:520500"), (8, "p:520000"), (16, "*")]
    assert scopes(7, "110101") == [(1, "s:7"), (2, "d:110101"), (4, "c:110100"), (8, "p:110000"), (16, "*")]
    assert scopes(7, None) == scopes(7, "bogus") == [(1, "s:7"), (16, "*")]


def test_station_keys_file_a_station_under_its_province_and_own_code():
    assert rollups.station_keys("520502") == ("52", "520502")
    assert rollups.station_keys("520500") == ("52", "520500")
    assert rollups.station_keys(None) == rollups.station_keys("x") == ("", "")


def test_level_of_knows_the_country():
    assert regions.level_of(NATIONAL) == "national"
    assert [regions.level_of(c) for c in ("520000", "520500", "520502")] == ["province", "city", "county"]


CODES = ("520502", "520500", "520000", "110100", "110101", "520005", "440305")


def test_ancestors_sql_gives_the_same_areas_in_the_database(app):
    with app.app_context():
        for code in CODES:
            column = sa.literal(code, sa.String)
            found = []
            for level, area, parent, condition in regions.ancestors_sql(column, sa.true()):
                where = sa.true() if condition is None else condition
                row = db.session.execute(sa.select(area, parent).where(where)).first()
                if row is not None:
                    found.append((row[0], row[1], level))
            assert found == regions.ancestors(code), code
