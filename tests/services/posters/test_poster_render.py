"""Posters render to PDF, PNG and SVG whose QR decodes back to the check-in URL."""

import io
import xml.etree.ElementTree as ET

import pypdfium2 as pdfium
import pytest
from PIL import Image

from stationfinder.amenities import to_mask
from stationfinder.services.posters import pdf as poster_pdf
from stationfinder.services.posters import render as poster_render
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory
from tests.qr import decode_qr, pdf_pages

BASE = "https://sf.example.cn"
NAME = "毕城红骑手网约配送新业态综合服务中心 <b>&amp;"


@pytest.fixture
def station_poster(app):
    with app.app_context():
        station = StationFactory(
            name=NAME,
            address="毕节市七星关区碧阳街道奥莱国际广场",
            region_code="520502",
            amenity_mask=to_mask(["air_conditioning", "drinking_water", "seating", "charging"]),
        )
        yield station, posters.current_poster(station)


def test_pdf_is_one_a4_page_whose_qr_decodes_to_the_checkin_url(station_poster):
    station, poster = station_poster
    body = poster_pdf.pdf(station, poster, BASE)
    assert body.startswith(b"%PDF")
    doc = pdfium.PdfDocument(body)
    width, height = doc[0].get_size()
    doc.close()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    [(image, text)] = pdf_pages(body)
    assert decode_qr(image) == f"{BASE}/c/{poster.token}"
    for expected in (
        "毕城红骑手网约配送新业态综合服务中心",
        "毕节市七星关区碧阳街道奥莱国际广场",
        "微信或浏览器扫码签到",
        posters.display_code(poster.short_code),
        "空调",
        "饮用水",
        "Drinking water",
    ):
        assert expected in text.replace("\r", "").replace("\n", ""), expected


def test_png_qr_decodes_and_chinese_text_uses_the_system_font(station_poster):
    station, poster = station_poster
    assert poster_render.find_cjk_font() is not None, "fonts-noto-cjk is installed by .ci/run"
    image = Image.open(io.BytesIO(poster_render.png(station, poster, BASE)))
    assert image.size == (1240, 1754)  # A4 at 150 dpi
    assert decode_qr(image) == f"{BASE}/c/{poster.token}"


def test_png_without_a_cjk_font_still_has_a_readable_qr(station_poster):
    station, poster = station_poster
    with_font = poster_render.png(station, poster, BASE)
    fallback = poster_render.png(station, poster, BASE, font=None)
    assert fallback != with_font
    assert decode_qr(Image.open(io.BytesIO(fallback))) == f"{BASE}/c/{poster.token}"


def test_svg_is_xml_with_the_texts_escaped_and_the_qr_modules(station_poster):
    station, poster = station_poster
    body = poster_render.svg(station, poster, BASE)
    root = ET.fromstring(body)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("width") == "210.0mm"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert any("<b>&amp;" in (t or "") for t in texts), "the name is text, not markup"
    assert not list(root.iter(f"{ns}b"))
    assert poster_render.INSTRUCTION_ZH in texts
    assert posters.display_code(poster.short_code) in texts
    path = [p for p in root.iter(f"{ns}path")][0].get("d")
    dark = sum(sum(row) for row in poster_render.qr_matrix(f"{BASE}/c/{poster.token}"))
    # Each run of dark modules is one subpath; together they cover every dark module.
    assert 0 < path.count("M") <= dark


def test_qr_uses_error_correction_h(station_poster):
    _, poster = station_poster
    url = f"{BASE}/c/{poster.token}"
    import qrcode
    from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L

    strong = qrcode.QRCode(error_correction=ERROR_CORRECT_H, border=0)
    strong.add_data(url)
    strong.make(fit=True)
    weak = qrcode.QRCode(error_correction=ERROR_CORRECT_L, border=0)
    weak.add_data(url)
    weak.make(fit=True)
    assert poster_render.qr_matrix(url) == strong.get_matrix() != weak.get_matrix()


def test_bulk_pdf_has_a_page_per_station_each_with_its_own_qr(app):
    with app.app_context():
        stations = [StationFactory(name=f"驿站 {i}") for i in range(3)]
        body = poster_pdf.posters_pdf(stations, BASE)
        urls = [posters.checkin_url(posters.current_poster(s, create=False), BASE) for s in stations]
    pages = pdf_pages(body)
    assert [decode_qr(image) for image, _ in pages] == urls
    assert [("驿站 " + str(i)) in text for i, (_, text) in enumerate(pages)] == [True] * 3


def test_long_names_wrap_and_end_with_an_ellipsis():
    lines = poster_render.wrap("很长的名字" * 20, len, 12, 2)
    assert len(lines) == 2 and lines[-1].endswith("…") and all(len(line) <= 12 for line in lines)
    assert poster_render.wrap("Rider rest station of Guiyang", len, 12, 3) == [
        "Rider rest",
        "station of",
        "Guiyang",
    ]
