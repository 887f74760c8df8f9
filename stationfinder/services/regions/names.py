"""Names of GB/T 2260 region codes in Guizhou: the province, its 9 cities and prefectures, 88 counties.

Codes are those in force since 2021 (水城区 520204 replaced 水城县 520221 in 2020,
黔西市 520581 replaced 黔西县 520522 in 2021). Cities and the province have
English names; in English a county falls back to its Chinese name.
"""

# code -> (Chinese name, English name or None)
NAMES: dict[str, tuple[str, str | None]] = {
    "520000": ("贵州省", "Guizhou"),
    "520100": ("贵阳市", "Guiyang"),
    "520102": ("南明区", None),
    "520103": ("云岩区", None),
    "520111": ("花溪区", None),
    "520112": ("乌当区", None),
    "520113": ("白云区", None),
    "520115": ("观山湖区", None),
    "520121": ("开阳县", None),
    "520122": ("息烽县", None),
    "520123": ("修文县", None),
    "520181": ("清镇市", None),
    "520200": ("六盘水市", "Liupanshui"),
    "520201": ("钟山区", None),
    "520203": ("六枝特区", None),
    "520204": ("水城区", None),
    "520281": ("盘州市", None),
    "520300": ("遵义市", "Zunyi"),
    "520302": ("红花岗区", None),
    "520303": ("汇川区", None),
    "520304": ("播州区", None),
    "520322": ("桐梓县", None),
    "520323": ("绥阳县", None),
    "520324": ("正安县", None),
    "520325": ("道真仡佬族苗族自治县", None),
    "520326": ("务川仡佬族苗族自治县", None),
    "520327": ("凤冈县", None),
    "520328": ("湄潭县", None),
    "520329": ("余庆县", None),
    "520330": ("习水县", None),
    "520381": ("赤水市", None),
    "520382": ("仁怀市", None),
    "520400": ("安顺市", "Anshun"),
    "520402": ("西秀区", None),
    "520403": ("平坝区", None),
    "520422": ("普定县", None),
    "520423": ("镇宁布依族苗族自治县", None),
    "520424": ("关岭布依族苗族自治县", None),
    "520425": ("紫云苗族布依族自治县", None),
    "520500": ("毕节市", "Bijie"),
    "520502": ("七星关区", None),
    "520521": ("大方县", None),
    "520523": ("金沙县", None),
    "520524": ("织金县", None),
    "520525": ("纳雍县", None),
    "520526": ("威宁彝族回族苗族自治县", None),
    "520527": ("赫章县", None),
    "520581": ("黔西市", None),
    "520600": ("铜仁市", "Tongren"),
    "520602": ("碧江区", None),
    "520603": ("万山区", None),
    "520621": ("江口县", None),
    "520622": ("玉屏侗族自治县", None),
    "520623": ("石阡县", None),
    "520624": ("思南县", None),
    "520625": ("印江土家族苗族自治县", None),
    "520626": ("德江县", None),
    "520627": ("沿河土家族自治县", None),
    "520628": ("松桃苗族自治县", None),
    "522300": ("黔西南布依族苗族自治州", "Qianxinan Buyei and Miao Autonomous Prefecture"),
    "522301": ("兴义市", None),
    "522302": ("兴仁市", None),
    "522323": ("普安县", None),
    "522324": ("晴隆县", None),
    "522325": ("贞丰县", None),
    "522326": ("望谟县", None),
    "522327": ("册亨县", None),
    "522328": ("安龙县", None),
    "522600": ("黔东南苗族侗族自治州", "Qiandongnan Miao and Dong Autonomous Prefecture"),
    "522601": ("凯里市", None),
    "522622": ("黄平县", None),
    "522623": ("施秉县", None),
    "522624": ("三穗县", None),
    "522625": ("镇远县", None),
    "522626": ("岑巩县", None),
    "522627": ("天柱县", None),
    "522628": ("锦屏县", None),
    "522629": ("剑河县", None),
    "522630": ("台江县", None),
    "522631": ("黎平县", None),
    "522632": ("榕江县", None),
    "522633": ("从江县", None),
    "522634": ("雷山县", None),
    "522635": ("麻江县", None),
    "522636": ("丹寨县", None),
    "522700": ("黔南布依族苗族自治州", "Qiannan Buyei and Miao Autonomous Prefecture"),
    "522701": ("都匀市", None),
    "522702": ("福泉市", None),
    "522722": ("荔波县", None),
    "522723": ("贵定县", None),
    "522725": ("瓮安县", None),
    "522726": ("独山县", None),
    "522727": ("平塘县", None),
    "522728": ("罗甸县", None),
    "522729": ("长顺县", None),
    "522730": ("龙里县", None),
    "522731": ("惠水县", None),
    "522732": ("三都水族自治县", None),
}


def name_of(code: str | None, lang: str = "zh") -> str:
    """Return the name of a region code in "zh" or "en" (or a locale like "en_US"), else the code itself."""
    names = NAMES.get(code or "")
    if names is None:
        return code or ""
    zh, en = names
    return en if str(lang).lower().startswith("en") and en else zh


def children(code: str) -> list[str]:
    """Return the known codes one level below a province or city code, in code order."""
    if code.endswith("0000"):
        return sorted(c for c in NAMES if c != code and c[:2] == code[:2] and c.endswith("00"))
    if code.endswith("00"):
        return sorted(c for c in NAMES if c != code and c[:4] == code[:4])
    return []


# Words every region name ends in: alone they would match whole provinces.
_GENERIC = frozenset(
    ("省", "市", "区", "县", "州", "特区", "自治州", "自治县", "city", "county", "district", "prefecture")
)


def codes_named(text: str) -> list[str]:
    """Return the codes whose Chinese or English name contains ``text`` (any case), in code order."""
    needle = (text or "").strip().casefold()
    if not needle or needle in _GENERIC:
        return []
    return sorted(
        code
        for code, (zh, en) in NAMES.items()
        if needle in zh.casefold() or (en and needle in en.casefold())
    )
