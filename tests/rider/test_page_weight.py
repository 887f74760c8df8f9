"""The rider page costs at most 60 KB gzip before the map loads: a cheap data plan on a weak signal.

Counted: the page, what its <link rel=stylesheet> and <script> tags load, and the scripts the
page's scripts load on every visit before the map (offline.js with its store and hours code, and
the report list, which comes with the list). Not counted: the map (coords.js, map.js, Leaflet),
which rider.js loads only once the list is on screen, and the service worker's precache, which the
browser fetches in the background after the page has loaded.
"""

import json
import re
from html.parser import HTMLParser

BUDGET_BYTES = 60 * 1024


class Assets(HTMLParser):
    """Collect the stylesheets and scripts a page names in its tags and data attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.lazy: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "stylesheet":
            self.tags.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.tags.append(a["src"])
        elif a.get("id") == "offline":
            self.lazy += [a["data-js"], a["data-store-js"], a["data-hours-js"]]


def transferred(client, url: str) -> int:
    """Return the bytes a browser that accepts gzip receives for ``url``."""
    with client.get(url, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200, url
        body = response.get_data()
    # Answers under 500 bytes are sent as they are; every other text answer must come gzipped.
    assert response.headers.get("Content-Encoding") == "gzip" or len(body) < 500, url
    return len(body)


def test_the_rider_page_weighs_at_most_60_kb_gzip_before_the_map(client):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    html = client.get("/").get_data(as_text=True)
    assets = Assets()
    assets.feed(html)
    urls = json.loads(re.search(r'id="page-data">(.*?)</script>', html, re.S).group(1))["urls"]
    # Leaflet waits for the map; a tag that loads it with the page would break this budget alone.
    assert not [url for url in assets.tags if "/vendor/" in url or "map" in url or "coords" in url]
    assert urls["mapJs"] not in assets.lazy and urls["coordsJs"] not in assets.lazy

    sizes = {"/": len(page.data)}
    assert page.headers["Content-Encoding"] == "gzip"
    for url in assets.tags + assets.lazy + [urls["reportListJs"]]:
        sizes[url] = transferred(client, url)
    assert any(url.endswith(".css") for url in sizes) and any(url.endswith(".js") for url in sizes)
    total = sum(sizes.values())
    assert total <= BUDGET_BYTES, f"{total} bytes gzip: {sizes}"
