"""The installed app's icons: a white shelter with a red door on the brand red, drawn with Pillow.

Drawn rather than committed, so the artwork lives as code beside its one user (the manifest) and
never drifts from a script that made it once. Shapes only: no font, so every server draws the same.
"""

import io
from functools import lru_cache

from PIL import Image, ImageDraw

BRAND = (183, 28, 28)  # --brand in static/css/app.css
WHITE = (255, 255, 255)
# Drawn this many times larger, then shrunk: smooth edges without anti-aliasing support in Pillow.
_SUPERSAMPLE = 4
SIZES = {"icon-192": (192, False), "icon-512": (512, False), "maskable-512": (512, True)}


def _shelter(draw: ImageDraw.ImageDraw, size: int, scale: float) -> None:
    """Draw the shelter centred, ``scale`` of the icon wide: a roof, walls and a door."""
    c, w = size / 2, size * scale
    left, right = c - w / 2, c + w / 2
    roof_top, eaves = c - w * 0.48, c - w * 0.06
    floor = c + w * 0.42
    draw.polygon([(c, roof_top), (right, eaves), (left, eaves)], fill=WHITE)
    wall = w * 0.13
    draw.rectangle([left + wall, eaves - 1, right - wall, floor], fill=WHITE)
    door_w, door_top = w * 0.22, c + w * 0.08
    door = [c - door_w / 2, door_top, c + door_w / 2, floor]
    draw.rounded_rectangle(door, radius=door_w / 2.5, fill=BRAND)
    # Square at the sill: a door rounded at the bottom would leave a white line under it.
    draw.rectangle([door[0], door_top + door_w / 2, door[2], floor + 1], fill=BRAND)


@lru_cache(maxsize=len(SIZES))
def png(name: str) -> bytes:
    """Return the PNG bytes of one icon (KeyError for an unknown name)."""
    size, maskable = SIZES[name]
    big = size * _SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        # Launchers crop a maskable icon to any shape inside the middle 80 %: fill it all, draw small.
        draw.rectangle([0, 0, big, big], fill=BRAND)
        _shelter(draw, big, 0.5)
    else:
        draw.rounded_rectangle([0, 0, big - 1, big - 1], radius=big * 0.18, fill=BRAND)
        _shelter(draw, big, 0.64)
    out = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(out, format="PNG", optimize=True)
    return out.getvalue()
