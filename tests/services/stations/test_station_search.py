"""The district and name search finds what riders type: names, addresses and region names."""

import pytest

from stationfinder.extensions import db
from stationfinder.services.regions import names as region_names
from stationfinder.services.stations import lookup as stations
from tests.factories import StationFactory


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def world(ctx):
    """Stations whose names say nothing of where they are; returns {name: id}."""
    rows = [
        StationFactory(name="红骑手之家", address="碧阳街道奥莱国际广场", region_code="520502"),
        StationFactory(name="大方小站", address="顺德路 1 号", region_code="520521"),
        # Filed at the city's own level: 毕节 still finds it.
        StationFactory(name="市局驿站", address="", region_code="520500"),
        StationFactory(name="云岩驿站", address="贵阳市云岩区中华北路", region_code="520103"),
        # Only the address names 毕节 (a Guiyang station on 毕节路).
        StationFactory(name="路口驿站", address="南明区毕节路 8 号", region_code="520102"),
        StationFactory(name="Chengdu Hub", address="Renmin Road", region_code="510107"),
        StationFactory(name="无区划", address="七星关区某处", region_code=None),
    ]
    db.session.commit()
    return {s.name: s.id for s in rows}


def names(**kwargs) -> set[str]:
    return {s.name for s in stations.list_stations(**kwargs).items}


def test_city_name_finds_its_stations_and_its_counties(world):
    assert names(q="毕节") == {"红骑手之家", "大方小站", "市局驿站", "路口驿站"}
    assert stations.list_stations(q="毕节").total == 4
    assert names(q="毕节市") == {"红骑手之家", "大方小站", "市局驿站"}


def test_county_name_finds_the_county_and_addresses(world):
    assert names(q="七星关") == {"红骑手之家", "无区划"}
    assert names(q="七星关区") == {"红骑手之家", "无区划"}


def test_address_is_searched(world):
    assert names(q="奥莱") == {"红骑手之家"}
    assert names(q="renmin") == {"Chengdu Hub"}


def test_english_region_names_any_case(world):
    assert names(q="bijie") == {"红骑手之家", "大方小站", "市局驿站"}
    assert names(q="GUIYANG") == {"云岩驿站", "路口驿站"}


def test_region_match_stays_inside_the_chosen_district(world):
    assert names(q="毕节", region="520500") == {"红骑手之家", "大方小站", "市局驿站"}
    assert names(q="毕节", region="520100") == {"路口驿站"}
    assert names(q="七星关", region="520100") == set()


def test_generic_words_do_not_match_every_region(world):
    assert region_names.codes_named("区") == []
    assert region_names.codes_named(" 市 ") == []
    # "区" still finds the stations whose own words contain it.
    assert names(q="区") == {"云岩驿站", "路口驿站", "无区划"}


def test_codes_named():
    assert region_names.codes_named("毕节") == ["520500"]
    assert region_names.codes_named("七星关") == ["520502"]
    assert region_names.codes_named("bIJIE") == ["520500"]
    assert "520000" in region_names.codes_named("贵州")
    assert region_names.codes_named("") == []
    assert region_names.codes_named("nowhere") == []


def test_search_stays_literal(world):
    StationFactory(name="100% 驿站", region_code="520103")
    db.session.commit()
    assert names(q="%") == {"100% 驿站"}
    assert names(q="_") == set()


def test_search_api_finds_region_names(client, app):
    with app.app_context():
        StationFactory(name="红骑手之家", address="碧阳街道", region_code="520502")
        StationFactory(name="云岩驿站", address="中华北路", region_code="520103")
        db.session.commit()
    body = client.get("/api/v1/stations", query_string={"q": "七星关"}).get_json()
    assert [s["name"] for s in body["stations"]] == ["红骑手之家"] and body["total"] == 1
