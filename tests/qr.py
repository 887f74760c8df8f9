"""Helpers for poster tests: rasterize PDFs and decode the QR codes in images."""

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image


def decode_qr(image: Image.Image) -> str:
    """Return the text of the QR code OpenCV finds in an image."""
    gray = np.array(image.convert("L"))
    # OpenCV's classic detector misses some codes depending on their data; a phone's
    # scanner would not, so try the second detector and a smaller copy before failing.
    half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        for candidate in (gray, half):
            text, points, _ = detector.detectAndDecode(candidate)
            if points is not None and text:
                return text
    raise AssertionError("no QR code found")


def pdf_pages(body: bytes) -> list[tuple[Image.Image, str]]:
    """Rasterize each PDF page at 144 dpi and extract its text."""
    doc = pdfium.PdfDocument(body)
    try:
        out = []
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            out.append((page.render(scale=2).to_pil(), textpage.get_text_range()))
            textpage.close()
            page.close()
        return out
    finally:
        doc.close()
