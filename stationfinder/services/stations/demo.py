"""Demo stations in Guizhou, in the places the source article names.

Positions are approximate WGS-84 points in the named district (the addresses say
so), there are no phone numbers on purpose, and every station has ``is_demo``
set. Refs are fixed, so loading twice updates instead of duplicating. The rows go
through the ordinary import path, with its validation and upsert.
"""

from stationfinder.services.stations import importing as station_import
from stationfinder.services.stations.importing import ImportResult, Record

APPROXIMATE = "（演示数据，位置为近似值）"

DEMO_STATIONS: tuple[dict, ...] = (
    {
        "ref": "demo-bijie-1",
        "name": "毕城红骑手网约配送新业态综合服务中心",
        "address": "毕节市七星关区碧阳街道奥莱国际广场" + APPROXIMATE,
        "lat": 27.2990,
        "lon": 105.2930,
        "region_code": "520502",
        "amenities": ["air_conditioning", "drinking_water", "seating", "charging"],
        "opening_hours": "24/7",
        "area_m2": 160,
    },
    {
        "ref": "demo-guiyang-1",
        "name": "云岩区盐务街道新就业群体爱心驿站",
        "address": "贵阳市云岩区盐务街道" + APPROXIMATE,
        "lat": 26.5930,
        "lon": 106.7130,
        "region_code": "520103",
        "amenities": ["drinking_water", "hot_water", "seating", "charging", "microwave", "toilet", "wifi"],
        "opening_hours": "Mo-Su 08:00-21:00",
        "seats": 12,
    },
    {
        "ref": "demo-guiyang-2",
        "name": "盐务街道快递小哥暖心驿站",
        "address": "贵阳市云岩区盐务街道社区服务中心旁" + APPROXIMATE,
        "lat": 26.5895,
        "lon": 106.7175,
        "region_code": "520103",
        "amenities": ["drinking_water", "seating", "umbrella", "locker"],
        "opening_hours": "Mo-Fr 09:00-18:00; Sa 10:00-16:00; Su off",
        "access": "members",
        "seats": 6,
    },
    {
        "ref": "demo-zunyi-1",
        "name": "新雪域农产品交易中心骑手驿站",
        "address": "遵义市红花岗区南关街道新雪域农产品交易中心" + APPROXIMATE,
        "lat": 27.6720,
        "lon": 106.9180,
        "region_code": "520302",
        "amenities": ["drinking_water", "hot_water", "seating", "charging", "battery_swap", "repair_tools"],
        "opening_hours": "Mo-Su 06:00-22:00",
        "seats": 20,
        "area_m2": 80,
    },
    {
        "ref": "demo-anshun-1",
        "name": "西秀区新就业形态劳动者服务站",
        "address": "安顺市西秀区" + APPROXIMATE,
        "lat": 26.2500,
        "lon": 105.9400,
        "region_code": "520402",
        "amenities": ["air_conditioning", "drinking_water", "seating", "toilet", "first_aid"],
        "opening_hours": "Mo-Fr 08:30-20:30; Sa,Su 09:00-18:00",
        "seats": 10,
    },
    {
        "ref": "demo-liupanshui-1",
        "name": "钟山区户外劳动者驿站",
        "address": "六盘水市钟山区" + APPROXIMATE,
        "lat": 26.5890,
        "lon": 104.8300,
        "region_code": "520201",
        "amenities": ["drinking_water", "hot_water", "charging", "umbrella", "medicine"],
        "opening_hours": "24/7",
    },
    {
        "ref": "demo-tongren-1",
        "name": "碧江区骑手之家",
        "address": "铜仁市碧江区" + APPROXIMATE,
        "lat": 27.7180,
        "lon": 109.1900,
        "region_code": "520602",
        "amenities": ["air_conditioning", "drinking_water", "seating", "microwave", "wifi", "locker"],
        "opening_hours": "Mo-Su 08:00-20:00",
        "seats": 15,
        "area_m2": 60,
    },
    {
        "ref": "demo-xingyi-1",
        "name": "兴义市网约配送员暖心驿站",
        "address": "黔西南布依族苗族自治州兴义市" + APPROXIMATE,
        "lat": 25.0920,
        "lon": 104.8950,
        "region_code": "522301",
        "amenities": ["drinking_water", "seating", "charging", "battery_swap", "toilet"],
        "opening_hours": "24/7",
    },
    {
        "ref": "demo-rongjiang-1",
        "name": "榕江县新业态劳动者驿站",
        "address": "黔东南苗族侗族自治州榕江县" + APPROXIMATE,
        "lat": 25.9310,
        "lon": 108.5210,
        "region_code": "522632",
        "amenities": ["drinking_water", "hot_water", "seating", "first_aid", "umbrella"],
        "opening_hours": "Mo-Su 07:30-21:30",
        "seats": 8,
    },
    {
        "ref": "demo-changshun-1",
        "name": "长顺县爱心驿站",
        "address": "黔南布依族苗族自治州长顺县" + APPROXIMATE,
        "lat": 26.0230,
        "lon": 106.4520,
        "region_code": "522729",
        "amenities": ["drinking_water", "seating", "charging", "repair_tools"],
        "opening_hours": "Mo-Sa 08:00-19:00; Su off",
        "seats": 6,
    },
)


def records() -> list[Record]:
    """Return the demo stations as import records."""
    return [
        Record(number, {**station, "coord_system": "wgs84", "is_demo": True}, unit="demo station")
        for number, station in enumerate(DEMO_STATIONS, start=1)
    ]


def load() -> ImportResult:
    """Insert or refresh the demo stations (the caller commits)."""
    return station_import.import_records(records(), source="demo")
