"""Helpers for poster tests: rasterize PDFs, decode the QR codes in images, list a PDF's fonts."""

import subprocess
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from stationfinder.services.posters import fonts as poster_fonts

# zbarimg's exit status when it read the image but found no code in it.
ZBAR_NOTHING_FOUND = 4


def decode_qr(image: Image.Image) -> str:
    """Return the text of the one QR code OpenCV, or else zbar, reads in an image."""
    gray = np.array(image.convert("L"))
    # OpenCV's detectors miss some codes depending on their data (posters carry random tokens);
    # a phone's scanner would not, so zbar, the reference decoder here, has the last word.
    half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        for candidate in (gray, half):
            text, points, _ = detector.detectAndDecode(candidate)
            if points is not None and text:
                return text
    found = zbar_decode(image)
    assert len(found) == 1, f"expected one QR code, zbar read {found}"
    return found[0]


def zbar_decode(image: Image.Image) -> list[str]:
    """Return the texts of the QR codes zbarimg (Debian zbar-tools) reads in an image."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        image.save(path)
        # A missing zbarimg raises FileNotFoundError: the test fails rather than passing unchecked.
        result = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode == ZBAR_NOTHING_FOUND:
        return []
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def blank_bands(image: Image.Image, fractions: tuple[float, ...], band_mm: float, dpi: float) -> Image.Image:
    """Return a grey copy of a page with a white band band_mm high across it at each height fraction."""
    gray = np.array(image.convert("L"))
    half = band_mm / 25.4 * dpi / 2
    for fraction in fractions:
        middle = gray.shape[0] * fraction
        gray[round(middle - half) : round(middle + half), :] = 255
    return Image.fromarray(gray)


def pdf_pages(body: bytes, dpi: float = 144) -> list[tuple[Image.Image, str]]:
    """Rasterize each PDF page (at 144 dpi unless told) and extract its text."""
    doc = pdfium.PdfDocument(body)
    try:
        out = []
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            out.append((page.render(scale=dpi / 72).to_pil(), textpage.get_text_range()))
            textpage.close()
            page.close()
        return out
    finally:
        doc.close()


def pdf_fonts(body: bytes) -> list[dict[str, str]]:
    """Return the rows of poppler's `pdffonts` for a PDF, keyed by its column headers."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(body)
        result = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    header, rule, *rows = result.stdout.splitlines()
    # Columns are fixed-width under a rule of dashes; names may hold spaces, so split by the rule.
    spans, start = [], 0
    for dashes in rule.split(" "):
        spans.append((start, start + len(dashes)))
        start += len(dashes) + 1
    keys = [header[a:b].strip() for a, b in spans[:-1]] + [header[spans[-1][0] :].strip()]
    return [
        dict(
            zip(keys, [row[a:b].strip() for a, b in spans[:-1]] + [row[spans[-1][0] :].strip()], strict=True)
        )
        for row in rows
    ]


def hide_pdf_text_font(monkeypatch, path: str = "/nonexistent/wqy-microhei.ttc") -> None:
    """Make the PDF's text font look uninstalled (or replace it with path) for one test."""
    monkeypatch.setattr(poster_fonts, "PDF_TEXT_FONTS", ((path, 0),))
    # Only successful lookups are cached, so after the test the real fonts are found again.
    poster_fonts.pdf_fonts.cache_clear()
