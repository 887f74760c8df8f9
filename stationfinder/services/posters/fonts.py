"""Find the fonts posters are drawn with.

A PDF sent to a print shop must carry its fonts: a viewer without the font draws
something else, or empty boxes. reportlab embeds subsets of TrueType (glyf) fonts
only, and Noto Sans CJK is CFF-flavoured, so the PDF uses WenQuanYi Micro Hei
(Debian fonts-wqy-microhei) for its text and DejaVu Sans Mono Bold (Debian
fonts-dejavu-core) for the short code. The PNG is drawn by FreeType, which reads
either kind, and prefers Noto Sans CJK SC (Debian fonts-noto-cjk).
"""

import functools
import os

# (path, face index in a .ttc); Debian and Ubuntu first, then Fedora and Arch.
PDF_TEXT_FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),
)
PDF_CODE_FONTS = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 0),
    ("/usr/share/fonts/dejavu-sans-mono-fonts/DejaVuSansMono-Bold.ttf", 0),
    ("/usr/share/fonts/TTF/DejaVuSansMono-Bold.ttf", 0),
)
PNG_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
PDF_TEXT = "PosterText"
PDF_CODE = "PosterCode"


class FontMissing(RuntimeError):
    """A font the PDF poster must embed is not installed on this server."""


@functools.cache
def find_cjk_font() -> tuple[str, int] | None:
    """Return (path, face index) of a Simplified Chinese font for the PNG, or None."""
    from PIL import ImageFont

    for path in PNG_FONTS:
        if not os.path.exists(path):
            continue
        # A .ttc holds JP/KR/SC/TC faces; the SC one draws mainland glyph shapes.
        for index in range(8):
            try:
                name = ImageFont.truetype(path, 12, index=index).getname()[0]
            except OSError:
                break
            if name.endswith(" SC"):
                return path, index
        return path, 0
    return None


def _load_truetype(name: str, candidates: tuple[tuple[str, int], ...], package: str):
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    for path, index in candidates:
        if not os.path.exists(path):
            continue
        try:
            return TTFont(name, path, subfontIndex=index)
        except TTFError:
            continue  # Not TrueType outlines (a CFF build), or damaged: reportlab cannot embed it.
    raise FontMissing(
        f"no embeddable TrueType font for PDF posters: install Debian's {package} "
        f"(looked for {', '.join(path for path, _ in candidates)})"
    )


@functools.cache
def pdf_fonts() -> tuple[str, str]:
    """Register the PDF's text and code fonts with reportlab once; return their names or raise FontMissing."""
    from reportlab.pdfbase import pdfmetrics

    fonts, problems = [], []
    for name, candidates, package in (
        (PDF_TEXT, PDF_TEXT_FONTS, "fonts-wqy-microhei"),
        (PDF_CODE, PDF_CODE_FONTS, "fonts-dejavu-core"),
    ):
        try:
            fonts.append(_load_truetype(name, candidates, package))
        except FontMissing as exc:
            problems.append(str(exc))
    if problems:
        raise FontMissing("; ".join(problems))
    for font in fonts:
        pdfmetrics.registerFont(font)
    return PDF_TEXT, PDF_CODE


def problems() -> list[str]:
    """Return one line per poster font that is not installed; empty when all of them are."""
    found = []
    try:
        pdf_fonts()
    except FontMissing as exc:
        found.append(str(exc))
    if find_cjk_font() is None:
        found.append(
            "no CJK font for PNG posters: install Debian's fonts-noto-cjk (else Chinese is left out)"
        )
    return found


def printable(text: str, font_name: str) -> str:
    """Return text without the characters a registered PDF font has no glyph for (emoji, rare planes)."""
    from reportlab.pdfbase import pdfmetrics

    glyphs = pdfmetrics.getFont(font_name).face.charToGlyph
    return "".join(ch for ch in text if ord(ch) in glyphs)


__all__ = ["FontMissing", "find_cjk_font", "pdf_fonts", "printable", "problems"]
