"""Render A4 check-in posters as PDF: one station's, or a page per station for a region.

Every font is embedded as a subset (see poster_fonts), so a print shop prints
what the admin saw, whatever fonts its own machines have.
"""

import io
from collections.abc import Iterable

from stationfinder.models import Poster, Station
from stationfinder.services.posters import tokens as poster_service
from stationfinder.services.posters.fonts import pdf_fonts, printable
from stationfinder.services.posters.render import (
    A4_MM,
    AMENITIES_ZH,
    CODE_HINT_EN,
    CODE_HINT_ZH,
    INSTRUCTION_EN,
    INSTRUCTION_ZH,
    QUIET_MODULES,
    TITLE_EN,
    TITLE_ZH,
    PosterText,
    dark_runs,
    heading_top,
    poster_text,
    qr_box,
    qr_matrix,
    wrap,
)
from stationfinder.services.progress import Progress, quiet

POSTERS = "drawing posters"


def _page(canvas, t: PosterText, text_font: str, code_font: str) -> None:
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    width, height = A4_MM[0] * mm, A4_MM[1] * mm

    def line(y: float, body: str, size: float, font: str = text_font, paint: bool = True) -> float:
        for part in wrap(printable(body, font), lambda s: stringWidth(s, font, size), width - 30 * mm, 2):
            y -= size * 1.25
            if paint:
                canvas.setFont(font, size)
                canvas.drawCentredString(width / 2, y, part)
        return y

    def heading(y: float, paint: bool) -> float:
        y = line(y, TITLE_ZH + " · " + TITLE_EN, 13, paint=paint)
        y = line(y - 4 * mm, t.name, 26, paint=paint)
        return line(y - 1 * mm, t.address, 13, paint=paint)

    matrix = qr_matrix(t.url)
    top_mm, module_mm = qr_box(len(matrix))
    top, module = top_mm * mm, module_mm * mm
    left = (width - module * len(matrix)) / 2
    # The heading is laid out downwards from the page top; measure it, then centre it above the QR.
    start = heading_top(-heading(0, False), top - QUIET_MODULES * module, 12 * mm)
    heading(height - start, True)
    canvas.setFillGray(0)
    for r, x, n in dark_runs(matrix):
        canvas.rect(left + x * module, height - top - (r + 1) * module, n * module, module, stroke=0, fill=1)
    y = height - top - (len(matrix) + QUIET_MODULES) * module - 2 * mm
    y = line(y, INSTRUCTION_ZH, 28)
    y = line(y, INSTRUCTION_EN, 13)
    y = line(y - 5 * mm, t.code, 36, code_font)
    y = line(y - 1 * mm, CODE_HINT_ZH % {"url": t.code_url}, 11)
    y = line(y, CODE_HINT_EN % {"url": t.code_url}, 10)
    if t.amenities_zh:
        y = line(y - 4 * mm, AMENITIES_ZH + t.amenities_zh, 13)
        line(y, t.amenities_en, 10)
    canvas.showPage()


def _pdf(pages: list[PosterText], title: str, progress: Progress = quiet) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    text_font, code_font = pdf_fonts()
    out = io.BytesIO()
    # reportlab selects Helvetica on every page unless told otherwise, and Helvetica is never embedded.
    canvas = Canvas(out, pagesize=A4, pageCompression=1, initialFontName=text_font)
    canvas.setTitle(title)
    canvas.setCreator("stationfinder")
    for done, t in enumerate(pages, 1):
        _page(canvas, t, text_font, code_font)
        progress(POSTERS, done, len(pages))
    canvas.save()
    return out.getvalue()


def pdf(station: Station, poster: Poster, base_url: str) -> bytes:
    """Return the A4 poster as a one-page PDF; raise FontMissing when its fonts are not installed."""
    t = poster_text(station, poster, base_url)
    return _pdf([t], t.name)


def posters_pdf(stations: Iterable[Station], base_url: str, progress: Progress = quiet) -> bytes:
    """Return one PDF with a page per station, creating first posters where missing (caller commits)."""
    pages = [
        poster_text(station, poster_service.current_poster(station, create=True), base_url)
        for station in stations
    ]
    return _pdf(pages, "stationfinder posters", progress)


__all__ = ["pdf", "posters_pdf"]
