"""Render a station's A4 check-in poster as PNG or SVG, and lay out where its QR goes.

The PNG draws its text with a CJK font found on the system (see poster_fonts);
without one it still draws the QR, the short code and the English lines, and
leaves out the Chinese text it cannot render. The PDF is in poster_pdf.
"""

import io
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_H

from stationfinder.amenities import BY_CODE
from stationfinder.models import Poster, Station
from stationfinder.services.posters import tokens as poster_service
from stationfinder.services.posters.fonts import find_cjk_font

INSTRUCTION_ZH = "微信或浏览器扫码签到"
INSTRUCTION_EN = "Scan with WeChat or your phone's browser to check in"
TITLE_ZH = "骑手驿站 · 签到"
TITLE_EN = "Rider rest station check-in"
CODE_HINT_ZH = "扫码失败？打开 %(url)s 输入签到码"
CODE_HINT_EN = "Scan not working? Open %(url)s and type the code"
AMENITIES_ZH = "站内设施："
A4_MM = (210.0, 297.0)
# A poster is carried folded in half or in thirds, and a crease can rub the toner off a band this
# wide. Error correction H restores lost data modules but never a lost finder pattern, so the code
# (quiet zone aside) fits between the two third folds, 2 mm clear of their creases, and is centred
# on the half fold: that crease crosses only its middle rows, the third creases only its quiet zone.
FOLDS_MM = (A4_MM[1] / 3, A4_MM[1] / 2, A4_MM[1] * 2 / 3)
CREASE_MM = 5.0
QR_CODE_MM = FOLDS_MM[2] - FOLDS_MM[0] - CREASE_MM - 4.0
QUIET_MODULES = 4
PNG_DPI = 150
SVG_FONTS = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"


@dataclass(frozen=True)
class PosterText:
    """Everything printed on a poster, already cleaned of unprintable characters."""

    name: str
    address: str
    url: str
    code: str
    code_url: str
    amenities_zh: str
    amenities_en: str


def _clean(text: str | None) -> str:
    # Control and private-use characters have no glyph and break XML; untrusted names may hold them.
    out = "".join(ch for ch in (text or "") if unicodedata.category(ch)[0] != "C")
    return " ".join(out.split())


def poster_text(station: Station, poster: Poster, base_url: str) -> PosterText:
    """Return the texts of one station's poster."""
    labels = [BY_CODE[code] for code in station.amenities]
    base = base_url.rstrip("/")
    return PosterText(
        name=_clean(station.name),
        address=_clean(station.address),
        url=poster_service.checkin_url(poster, base),
        code=poster_service.display_code(poster.short_code),
        code_url=base.split("://", 1)[-1] + "/c",
        amenities_zh=" · ".join(a.zh for a in labels),
        amenities_en=" · ".join(a.en for a in labels),
    )


def qr_matrix(url: str) -> list[list[bool]]:
    """Return the QR modules for a URL at error correction H, without the quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_H, border=0)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def qr_box(modules: int, px: float | None = None) -> tuple[float, float]:
    """Return (top edge, module size) of a code of that many modules a side, in mm or in whole pixels."""
    if px is None:
        module = QR_CODE_MM / modules
        return FOLDS_MM[1] - module * modules / 2, module
    whole = int(QR_CODE_MM * px) // modules
    return round(FOLDS_MM[1] * px - whole * modules / 2), whole


def qr_frame(url: str) -> tuple[float, float]:
    """Return (top edge, side) in mm of the QR with its quiet zone on the sheet, for the print page."""
    modules = len(qr_matrix(url))
    top, module = qr_box(modules)
    return top - QUIET_MODULES * module, (modules + 2 * QUIET_MODULES) * module


def heading_top(height: float, limit: float, margin: float) -> float:
    """Return where a heading block starts so that it sits centred between the top margin and limit."""
    return max(margin, (margin + limit - height) / 2)


def dark_runs(matrix: list[list[bool]]) -> Iterable[tuple[int, int, int]]:
    """Yield (row, column, length) of each horizontal run of dark modules."""
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


def wrap(text: str, measure: Callable[[str], float], width: float, max_lines: int) -> list[str]:
    """Break text into lines no wider than width, at spaces when it can, ending with … if cut."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if not current or measure(current + ch) <= width:
            current += ch
            continue
        cut = current.rfind(" ")
        if ch != " " and cut > 0:
            lines.append(current[:cut])
            current = current[cut + 1 :] + ch
        else:
            lines.append(current.rstrip())
            current = ch.lstrip()
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and measure(last + "…") > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def qr_svg(url: str) -> str:
    """Return an SVG of the QR alone (with its quiet zone), for embedding in the print page."""
    matrix = qr_matrix(url)
    size = len(matrix) + 8
    path = "".join(f"M{x + 4} {y + 4}h{n}v1h-{n}z" for y, x, n in dark_runs(matrix))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" '
        f'role="img" aria-label="QR"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )


def _svg_width(text: str, size: float) -> float:
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.56 for ch in text)


def svg(station: Station, poster: Poster, base_url: str) -> bytes:
    """Return the A4 poster as an SVG document (units: millimetres)."""
    t = poster_text(station, poster, base_url)
    width, height = A4_MM
    parts: list[str] = []

    def text(y: float, body: str, size: float, weight: str = "normal", family: str = SVG_FONTS) -> None:
        parts.append(
            f'<text x="{width / 2}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
            f'font-family="{family}" text-anchor="middle">{escape(body)}</text>'
        )

    matrix = qr_matrix(t.url)
    top, module = qr_box(len(matrix))
    left = (width - module * len(matrix)) / 2
    names = wrap(t.name, lambda s: _svg_width(s, 10), width - 30, 2)
    addresses = wrap(t.address, lambda s: _svg_width(s, 5), width - 30, 2)
    # Baselines: the title's sits 5 mm below the block's top, each further line's one line height lower.
    y = heading_top(7 + 12 * len(names) + 7 * len(addresses), top - QUIET_MODULES * module, 17) + 5
    text(y, TITLE_ZH + " · " + TITLE_EN, 5)
    for line in names:
        y += 12
        text(y, line, 10, "bold")
    for line in addresses:
        y += 7
        text(y, line, 5)
    path = "".join(
        f"M{left + x * module:.3f} {top + r * module:.3f}h{n * module:.3f}v{module:.3f}h-{n * module:.3f}z"
        for r, x, n in dark_runs(matrix)
    )
    parts.append(f'<path d="{path}" fill="#000" shape-rendering="crispEdges"/>')
    y = top + (len(matrix) + QUIET_MODULES) * module + 8
    text(y, INSTRUCTION_ZH, 11, "bold")
    text(y + 7, INSTRUCTION_EN, 4.5)
    text(y + 22, t.code, 14, "bold", "'DejaVu Sans Mono',Menlo,Consolas,monospace")
    text(y + 29, CODE_HINT_ZH % {"url": t.code_url}, 4.2)
    text(y + 34, CODE_HINT_EN % {"url": t.code_url}, 3.6)
    if t.amenities_zh:
        y += 40
        for line in wrap(AMENITIES_ZH + t.amenities_zh, lambda s: _svg_width(s, 4.5), width - 30, 2):
            y += 6
            text(y, line, 4.5)
        for line in wrap(t.amenities_en, lambda s: _svg_width(s, 3.6), width - 30, 2):
            y += 5
            text(y, line, 3.6)
    body = "".join(parts)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}"><title>{escape(t.name)}</title>'
        f'<rect width="{width}" height="{height}" fill="#fff"/>{body}</svg>\n'
    ).encode()


def png(
    station: Station, poster: Poster, base_url: str, *, font: tuple[str, int] | str | None = "auto"
) -> bytes:
    """Return the A4 poster as a PNG at 150 dpi; pass font=None to force the ASCII-only fallback."""
    from PIL import Image, ImageDraw, ImageFont

    t = poster_text(station, poster, base_url)
    if font == "auto":
        font = find_cjk_font()
    px = PNG_DPI / 25.4
    width, height = round(A4_MM[0] * px), round(A4_MM[1] * px)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)

    def face(mm: float):
        size = max(8, round(mm * px))
        return ImageFont.truetype(font[0], size, index=font[1]) if font else ImageFont.load_default(size)

    def line(y: float, body: str, mm: float, paint: bool = True) -> float:
        if not font and not body.isascii():
            return y  # The fallback font has no CJK glyphs; leave the line out rather than print boxes.
        f = face(mm)
        for part in wrap(body, f.getlength, width - 30 * px, 2):
            if paint:
                draw.text((width / 2, y), part, font=f, fill=0, anchor="mt")
            y += mm * px * 1.3
        return y

    # Without CJK glyphs a Chinese name cannot print; the station's key still tells posters apart.
    name = t.name if font or t.name.isascii() else f"Station {station.public_key}"

    def heading(y: float, paint: bool) -> float:
        y = line(y, TITLE_ZH + " · " + TITLE_EN, 5, paint)
        y = line(y + 3 * px, name, 9, paint)
        return line(y + 1 * px, t.address, 4.5, paint)

    matrix = qr_matrix(t.url)
    top, module = qr_box(len(matrix), px)
    left = (width - module * len(matrix)) // 2
    heading(heading_top(heading(0, False), top - QUIET_MODULES * module, 12 * px), True)
    for r, x, n in dark_runs(matrix):
        x0, y0 = left + x * module, top + r * module
        draw.rectangle((x0, y0, x0 + n * module - 1, y0 + module - 1), fill=0)
    y = top + (len(matrix) + QUIET_MODULES) * module + 2 * px
    y = line(y, INSTRUCTION_ZH, 9)
    y = line(y, INSTRUCTION_EN, 4.5)
    y = line(y + 4 * px, t.code, 12)
    y = line(y, CODE_HINT_ZH % {"url": t.code_url}, 4)
    y = line(y, CODE_HINT_EN % {"url": t.code_url}, 3.6)
    if t.amenities_zh:
        y = line(y + 4 * px, AMENITIES_ZH + t.amenities_zh, 4.5)
        line(y, t.amenities_en, 3.6)
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(PNG_DPI, PNG_DPI), optimize=False)
    return out.getvalue()


__all__ = [
    "FOLDS_MM",
    "find_cjk_font",
    "dark_runs",
    "heading_top",
    "png",
    "poster_text",
    "qr_box",
    "qr_frame",
    "qr_matrix",
    "qr_svg",
    "svg",
    "wrap",
]
