import pytest

from stationfinder.services.regions import codes as regions
from stationfinder.services.regions.names import NAMES, children, name_of

CITIES = {
    "520100": "贵阳市",
    "520200": "六盘水市",
    "520300": "遵义市",
    "520400": "安顺市",
    "520500": "毕节市",
    "520600": "铜仁市",
    "522300": "黔西南布依族苗族自治州",
    "522600": "黔东南苗族侗族自治州",
    "522700": "黔南布依族苗族自治州",
}


def test_every_code_is_valid_and_inside_guizhou():
    for code in NAMES:
        assert regions.validate(code) == code
        assert regions.contains("520000", code)


def test_province_has_nine_cities_and_88_counties():
    assert children("520000") == sorted(CITIES)
    assert {code: name_of(code) for code in CITIES} == CITIES
    counties = [code for code in NAMES if regions.level(code) == "county"]
    assert len(counties) == 88
    assert sum(len(children(city)) for city in CITIES) == 88
    # Per city, as in force since 2021.
    assert [len(children(city)) for city in sorted(CITIES)] == [10, 4, 14, 6, 8, 10, 8, 16, 12]


@pytest.mark.parametrize(
    ("code", "zh"),
    [
        ("520502", "七星关区"),
        ("520103", "云岩区"),
        ("520302", "红花岗区"),
        ("520402", "西秀区"),
        ("520201", "钟山区"),
        ("520602", "碧江区"),
        ("522301", "兴义市"),
        ("522632", "榕江县"),
        ("522729", "长顺县"),
        ("520204", "水城区"),
        ("520581", "黔西市"),
    ],
)
def test_places_the_demo_and_recent_changes_use(code, zh):
    assert name_of(code, "zh") == zh


def test_replaced_codes_are_absent():
    assert "520221" not in NAMES  # 水城县 became 水城区 520204 in 2020.
    assert "520522" not in NAMES  # 黔西县 became 黔西市 520581 in 2021.


def test_english_names_and_fallbacks():
    assert name_of("520000", "en") == "Guizhou"
    assert name_of("520500", "en") == "Bijie"
    assert name_of("520500", "en_US") == "Bijie"
    assert name_of("520500", "zh_Hans_CN") == "毕节市"
    # Counties have no English name here; the Chinese one beats a bare code.
    assert name_of("520502", "en") == "七星关区"
    assert name_of("110105", "en") == "110105"
    assert name_of("110105") == "110105"
    assert name_of(None) == ""
    assert children("520502") == []
