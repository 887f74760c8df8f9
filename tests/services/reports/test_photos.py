"""Photos: re-encoded upright and small, with no EXIF (GPS above all), XMP, ICC or comment left."""

import io

import pytest
from PIL import Image

from stationfinder.services.reports import photos
from tests.photos import MAKE, XMP, image_bytes, phone_jpeg, png, png_claiming


def test_the_phone_photo_made_for_the_test_does_carry_gps():
    image = Image.open(io.BytesIO(phone_jpeg()))
    assert image.getexif().get_ifd(0x8825)  # GPSInfo
    assert {"icc_profile", "xmp"} <= image.info.keys()


def test_gps_exif_xmp_icc_and_comments_are_gone():
    content_type, data = photos.clean(phone_jpeg())
    assert content_type == "image/jpeg"
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {}
    assert not stored.getexif().get_ifd(0x8825)
    assert not {"exif", "icc_profile", "xmp", "comment"} & stored.info.keys()
    for secret in (b"Exif", b"GPS", MAKE.encode(), XMP, b"XMPSECRET", b"COMMENTSECRET", b"ICC_PROFILE"):
        assert secret not in data, secret


def test_the_orientation_is_applied_and_the_longest_side_is_2048():
    # 3000 x 1000 stored sideways (Orientation 6: turn 90° clockwise): upright it is 1000 x 3000.
    _, data = photos.clean(phone_jpeg(3000, 1000, orientation=6))
    stored = Image.open(io.BytesIO(data))
    assert max(stored.size) == 2048 and stored.size[0] in (682, 683)
    # The blue left quarter of the sideways pixels is now the top quarter.
    top = stored.getpixel((stored.size[0] // 2, 40))
    bottom = stored.getpixel((stored.size[0] // 2, stored.size[1] - 40))
    assert top[2] > 150 and bottom[0] > 150


def test_small_photos_keep_their_size():
    _, data = photos.clean(phone_jpeg(800, 600, orientation=1))
    assert Image.open(io.BytesIO(data)).size == (800, 600)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_accepted(fmt):
    _, data = photos.clean(image_bytes(fmt))
    assert Image.open(io.BytesIO(data)).size == (64, 48)


def test_transparency_is_laid_on_white():
    _, data = photos.clean(png(mode="RGBA"))
    assert Image.open(io.BytesIO(data)).convert("RGB").getpixel((5, 5)) >= (250, 250, 250)


@pytest.mark.parametrize(
    "data",
    [
        b"not an image at all",
        b"%PDF-1.4\n" + b"0" * 100,
        b"GIF89a" + b"\0" * 100,
        image_bytes("GIF"),
        image_bytes("BMP"),
        image_bytes("TIFF"),
        phone_jpeg()[:2000],  # cut off mid-stream
        b"\x89PNG\r\n\x1a\n" + b"\0" * 50,
    ],
    ids=["text", "pdf", "gif-header", "gif", "bmp", "tiff", "truncated-jpeg", "broken-png"],
)
def test_anything_else_is_not_an_image(data):
    with pytest.raises(photos.NotAnImage):
        photos.clean(data)


def test_a_file_over_8_mb_is_too_large_before_it_is_decoded():
    with pytest.raises(photos.PhotoTooLarge):
        photos.clean(b"\xff\xd8" + b"\0" * photos.MAX_BYTES)


@pytest.mark.parametrize("side", [9_000, 10_000, 20_000])
def test_decompression_bombs_are_too_large(side):
    # 81 MP (above our limit, below Pillow's), 100 MP (Pillow warns) and 400 MP (Pillow refuses).
    bomb = png_claiming(side, side)
    assert len(bomb) < 200
    with pytest.raises(photos.PhotoTooLarge):
        photos.clean(bomb)
