"""A report's photo: checked to be a JPEG, PNG or WebP, turned upright, shrunk, and stripped of metadata.

The photo is decoded and encoded again as a new JPEG: nothing of the upload survives but its
pixels, so no EXIF (GPS above all), XMP, ICC profile or comment can reach the database.
"""

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from stationfinder.services.errors import InvalidInput

MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 2048
# Far above any phone camera's default (12-50 MP), far below what would exhaust a worker's memory:
# an 8 MB PNG of one colour can claim a billion pixels.
MAX_PIXELS = 64_000_000
FORMATS = ("JPEG", "PNG", "WEBP")
CONTENT_TYPE = "image/jpeg"
QUALITY = 85


class PhotoTooLarge(InvalidInput):
    """The photo is over MAX_BYTES, or claims more than MAX_PIXELS."""


class NotAnImage(InvalidInput):
    """The photo is not a JPEG, PNG or WebP image that can be decoded."""


def clean(data: bytes) -> tuple[str, bytes]:
    """Return (content type, bytes) of a photo re-encoded upright, at most MAX_SIDE px, without metadata."""
    if len(data) > MAX_BYTES:
        raise PhotoTooLarge(f"the photo is over {MAX_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; either way it is refused here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _decoded(data)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoTooLarge("the photo has too many pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise NotAnImage("the photo must be a JPEG, PNG or WebP image") from None
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY)
    return CONTENT_TYPE, out.getvalue()


def _decoded(data: bytes) -> Image.Image:
    """Return the upload's pixels, upright, in RGB, with its longest side at most MAX_SIDE."""
    # The decoded format decides, never a file name or a declared content type.
    image = Image.open(io.BytesIO(data), formats=FORMATS)
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise PhotoTooLarge(f"the photo has more than {MAX_PIXELS:,} pixels")
    # A JPEG decodes straight at a fraction of its size, so a large one never fills memory.
    image.draft("RGB", (MAX_SIDE, MAX_SIDE))
    image = ImageOps.exif_transpose(image)
    image = _flattened(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    image.info = {}
    return image


def _flattened(image: Image.Image) -> Image.Image:
    """Return an RGB image: transparency is laid on white, as a JPEG has none."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, "white")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image if image.mode == "RGB" else image.convert("RGB")


__all__ = ["CONTENT_TYPE", "MAX_BYTES", "MAX_PIXELS", "MAX_SIDE", "NotAnImage", "PhotoTooLarge", "clean"]
