"""Posters survive being folded to carry (fold lines read by zbar) and print the same everywhere (fonts)."""

import io
import os

import pytest
from PIL import Image

from stationfinder.models import Poster, Station
from stationfinder.services.posters import fonts as poster_fonts
from stationfinder.services.posters import pdf as poster_pdf
from stationfinder.services.posters import render as poster_render
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory
from tests.qr import blank_bands, hide_pdf_text_font, pdf_fonts, pdf_pages, zbar_decode

BASE = "https://sf.example.cn"
# Where an A4 sheet is creased: in half, or in thirds like a letter.
FOLDS = {"half": (1 / 2,), "thirds": (1 / 3, 2 / 3), "half and thirds": (1 / 3, 1 / 2, 2 / 3)}
# A crease that has lost its toner, as wide as issue 9 measured.
BAND_MM = 5.0
DPI = 150
FINDER_MODULES = 7


@pytest.fixture
def station_poster(app):
    with app.app_context():
        station = StationFactory(
            name="毕城红骑手网约配送新业态综合服务中心",
            address="毕节市七星关区碧阳街道奥莱国际广场",
            region_code="520502",
        )
        yield station, posters.current_poster(station)


def render(fmt: str, station: Station, poster: Poster) -> Image.Image:
    if fmt == "png":
        return Image.open(io.BytesIO(poster_render.png(station, poster, BASE)))
    [(page, _)] = pdf_pages(poster_pdf.pdf(station, poster, BASE), dpi=DPI)
    return page


@pytest.mark.parametrize("fmt", ["png", "pdf"])
@pytest.mark.parametrize("fold", list(FOLDS))
def test_qr_still_reads_with_a_blank_band_on_the_fold_lines(station_poster, fmt, fold):
    station, poster = station_poster
    page = render(fmt, station, poster)
    assert zbar_decode(page) == [f"{BASE}/c/{poster.token}"], "zbar reads the untouched page"
    creased = blank_bands(page, FOLDS[fold], BAND_MM, DPI)
    assert zbar_decode(creased) == [f"{BASE}/c/{poster.token}"]


@pytest.mark.parametrize("px", [None, DPI / 25.4], ids=["mm", "png pixels"])
def test_no_fold_crosses_a_finder_pattern_whatever_the_qr_version(px):
    scale = px or 1.0
    for version in range(1, 41):
        modules = 17 + 4 * version
        top, module = poster_render.qr_box(modules, px)
        finders = [(top, top + FINDER_MODULES * module)]
        finders.append((top + (modules - FINDER_MODULES) * module, top + modules * module))
        for fold in poster_render.FOLDS_MM:
            crease = ((fold - BAND_MM / 2) * scale, (fold + BAND_MM / 2) * scale)
            for start, end in finders:
                assert end <= crease[0] or start >= crease[1], (version, fold)
        # The whole code, quiet zone included, stays on the sheet.
        assert top - 4 * module > 0 and top + (modules + 4) * module < poster_render.A4_MM[1] * scale


def assert_all_fonts_embedded_as_subsets(body: bytes) -> None:
    fonts = pdf_fonts(body)
    assert fonts, "the poster has text, so it uses fonts"
    for font in fonts:
        assert (font["emb"], font["sub"]) == ("yes", "yes"), font


def test_single_pdf_embeds_a_subset_of_every_font(station_poster):
    station, poster = station_poster
    assert_all_fonts_embedded_as_subsets(poster_pdf.pdf(station, poster, BASE))


def test_bulk_pdf_embeds_a_subset_of_every_font(app):
    with app.app_context():
        stations = [StationFactory(name=f"驿站 {i}", address="贵阳市 · 云岩区") for i in range(3)]
        assert_all_fonts_embedded_as_subsets(poster_pdf.posters_pdf(stations, BASE))


def test_characters_the_font_cannot_draw_are_left_out_not_boxed():
    text_font, _ = poster_fonts.pdf_fonts()
    assert poster_fonts.printable("驿站\U0001f6b2 · A1", text_font) == "驿站 · A1"


@pytest.mark.parametrize(
    "path",
    ["/nonexistent/wqy-microhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"],
    ids=["not installed", "CFF outlines reportlab cannot embed"],
)
def test_a_missing_pdf_font_is_a_clear_error_naming_the_package(station_poster, monkeypatch, path):
    station, poster = station_poster
    assert path.startswith("/nonexistent/") or os.path.exists(path), "fonts-noto-cjk is installed by .ci/run"
    hide_pdf_text_font(monkeypatch, path)
    with pytest.raises(poster_fonts.FontMissing, match="fonts-wqy-microhei"):
        poster_pdf.pdf(station, poster, BASE)
