"""QR posters: tokens and short codes (tokens), and their drawing: PNG/SVG (render), PDF (pdf),
and the fonts both use (fonts)."""
