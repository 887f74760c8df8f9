"""The amenity vocabulary: stable codes, bit positions, bilingual labels and icons.

Bits are part of the stored data (``Station.amenity_mask``): append new codes,
never reorder or reuse a bit.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Amenity:
    code: str
    bit: int
    zh: str
    en: str
    icon: str

    @property
    def mask(self) -> int:
        return 1 << self.bit

    def label(self, locale: str) -> str:
        """Return the label for a locale, Chinese unless English is asked for."""
        return self.en if str(locale).startswith("en") else self.zh


AMENITIES: tuple[Amenity, ...] = (
    Amenity("air_conditioning", 0, "空调", "Air conditioning", "❄️"),
    Amenity("drinking_water", 1, "饮用水", "Drinking water", "🚰"),
    Amenity("hot_water", 2, "热水", "Hot water", "♨️"),
    Amenity("seating", 3, "座椅", "Seating", "🪑"),
    Amenity("charging", 4, "充电", "Phone charging", "🔌"),
    Amenity("battery_swap", 5, "换电", "Battery swap", "🔋"),
    Amenity("microwave", 6, "微波炉", "Microwave", "🍱"),
    Amenity("toilet", 7, "卫生间", "Toilet", "🚻"),
    Amenity("wifi", 8, "无线网络", "Wi-Fi", "📶"),
    Amenity("first_aid", 9, "急救箱", "First aid", "⛑️"),
    Amenity("medicine", 10, "常用药品", "Medicine", "💊"),
    Amenity("umbrella", 11, "雨伞", "Umbrella", "☂️"),
    Amenity("repair_tools", 12, "维修工具", "Repair tools", "🔧"),
    Amenity("locker", 13, "储物柜", "Locker", "🔐"),
)

BY_CODE: dict[str, Amenity] = {a.code: a for a in AMENITIES}
CODES: tuple[str, ...] = tuple(a.code for a in AMENITIES)


class UnknownAmenity(ValueError):
    """Raised for an amenity code outside the vocabulary."""


def to_mask(codes) -> int:
    """Return the bit mask for an iterable of amenity codes."""
    mask = 0
    for code in codes:
        try:
            mask |= BY_CODE[code].mask
        except KeyError:
            raise UnknownAmenity(code) from None
    return mask


def from_mask(mask: int) -> list[str]:
    """Return the amenity codes in a mask, in vocabulary order."""
    return [a.code for a in AMENITIES if mask & a.mask]
