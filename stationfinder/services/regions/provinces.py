"""China's provincial-level divisions: GB/T 2260 prefix, names, capital position, population (millions).

Used to name provinces outside ``region_names`` and to spread benchmark data
plausibly (positions are the capitals', approximate; population from the 2020 census).
"""

from typing import NamedTuple


class Province(NamedTuple):
    prefix: str
    zh: str
    en: str
    lat: float
    lon: float
    population: float
    # Rough half-width in degrees of the area where most people live.
    spread: float


PROVINCES = [
    Province("11", "北京市", "Beijing", 39.90, 116.41, 21.9, 0.4),
    Province("12", "天津市", "Tianjin", 39.13, 117.20, 13.9, 0.4),
    Province("13", "河北省", "Hebei", 38.04, 114.51, 74.6, 1.8),
    Province("14", "山西省", "Shanxi", 37.87, 112.55, 34.9, 1.5),
    Province("15", "内蒙古自治区", "Inner Mongolia", 40.84, 111.75, 24.0, 3.5),
    Province("21", "辽宁省", "Liaoning", 41.80, 123.43, 42.6, 1.5),
    Province("22", "吉林省", "Jilin", 43.82, 125.32, 24.1, 1.5),
    Province("23", "黑龙江省", "Heilongjiang", 45.80, 126.53, 31.9, 2.5),
    Province("31", "上海市", "Shanghai", 31.23, 121.47, 24.9, 0.35),
    Province("32", "江苏省", "Jiangsu", 32.06, 118.80, 84.7, 1.4),
    Province("33", "浙江省", "Zhejiang", 30.27, 120.15, 64.6, 1.2),
    Province("34", "安徽省", "Anhui", 31.82, 117.23, 61.0, 1.4),
    Province("35", "福建省", "Fujian", 26.07, 119.30, 41.5, 1.3),
    Province("36", "江西省", "Jiangxi", 28.68, 115.86, 45.2, 1.5),
    Province("37", "山东省", "Shandong", 36.65, 117.12, 101.5, 1.6),
    Province("41", "河南省", "Henan", 34.75, 113.63, 99.4, 1.6),
    Province("42", "湖北省", "Hubei", 30.59, 114.31, 57.8, 1.6),
    Province("43", "湖南省", "Hunan", 28.23, 112.94, 66.4, 1.6),
    Province("44", "广东省", "Guangdong", 23.13, 113.26, 126.0, 1.6),
    Province("45", "广西壮族自治区", "Guangxi", 22.82, 108.37, 50.1, 1.8),
    Province("46", "海南省", "Hainan", 20.04, 110.20, 10.1, 0.6),
    Province("50", "重庆市", "Chongqing", 29.56, 106.55, 32.1, 0.9),
    Province("51", "四川省", "Sichuan", 30.57, 104.07, 83.7, 2.0),
    Province("52", "贵州省", "Guizhou", 26.65, 106.63, 38.6, 1.3),
    Province("53", "云南省", "Yunnan", 25.04, 102.71, 47.2, 2.0),
    Province("54", "西藏自治区", "Tibet", 29.65, 91.14, 3.6, 3.0),
    Province("61", "陕西省", "Shaanxi", 34.34, 108.94, 39.5, 1.5),
    Province("62", "甘肃省", "Gansu", 36.06, 103.83, 25.0, 2.5),
    Province("63", "青海省", "Qinghai", 36.62, 101.78, 5.9, 2.5),
    Province("64", "宁夏回族自治区", "Ningxia", 38.49, 106.23, 7.2, 0.8),
    Province("65", "新疆维吾尔自治区", "Xinjiang", 43.83, 87.62, 25.9, 4.0),
    Province("71", "台湾省", "Taiwan", 25.03, 121.57, 23.6, 0.8),
    Province("81", "香港特别行政区", "Hong Kong", 22.32, 114.17, 7.5, 0.1),
    Province("82", "澳门特别行政区", "Macao", 22.20, 113.54, 0.7, 0.03),
]
BY_PREFIX = {p.prefix: p for p in PROVINCES}
# Where the mainland data (and so the benchmark) lives.
MAINLAND = [p for p in PROVINCES if p.prefix not in ("71", "81", "82")]


def province_name(code: str | None, lang: str = "zh") -> str | None:
    """Return the name of a province-level code (520000), or None for any other code."""
    if not code or len(code) != 6 or not code.endswith("0000"):
        return None
    province = BY_PREFIX.get(code[:2])
    if province is None:
        return None
    return province.en if str(lang).lower().startswith("en") else province.zh
