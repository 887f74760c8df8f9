"""Test images made with Pillow: a phone photo carrying GPS EXIF, XMP and an ICC profile, and bombs."""

import io
import struct
import zlib

from PIL import ExifTags, Image, ImageCms

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (26.0, 34.0, 51.25),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (106.0, 42.0, 7.5),
}
MAKE = "SecretPhoneMaker"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>XMPSECRET</rdf:Description></x:xmpmeta>'


def phone_jpeg(width: int = 3000, height: int = 1000, orientation: int = 6) -> bytes:
    """Return a JPEG as a phone writes it: sideways pixels, an Orientation tag, GPS, XMP and ICC."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    # The left quarter is blue, so the test can tell which way the photo was turned.
    image.paste((20, 40, 220), (0, 0, width // 4, height))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = MAKE
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, xmp=XMP, icc_profile=icc, comment=b"COMMENTSECRET", quality=90)
    return out.getvalue()


def png(width: int = 40, height: int = 30, mode: str = "RGBA") -> bytes:
    """Return a small PNG (transparent by default)."""
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, "PNG")
    return out.getvalue()


def image_bytes(fmt: str, size=(64, 48)) -> bytes:
    """Return a small image in a Pillow format (JPEG, PNG, WEBP, GIF, BMP, TIFF)."""
    out = io.BytesIO()
    Image.new("RGB", size, (0, 128, 0)).save(out, fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """Return a tiny PNG whose header claims width x height pixels: a decompression bomb's opening."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )
