"""Static files under content-hashed names, and vendored ones: kept a year, compressed once per process.

``url_for("static", filename="js/rider.js")`` gives ``/static/js/rider.<hash>.js``, the hash being
that of the file's bytes: a changed file gets a new address, so an address may be cached for good,
and a proxy caches it too (some ignore addresses with a query). The plain name still answers, but
revalidated on every use, for addresses that cannot carry a hash. HTML pages are revalidated on
every visit, so each visit learns the current hashes.
"""

import gzip
import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass
from functools import lru_cache

import brotli
from flask import Flask, abort, current_app, request, send_file
from werkzeug.security import safe_join

from stationfinder.public_reads import public_read

DIGEST_CHARS = 12
YEAR_SECONDS = 365 * 24 * 3600
# Files above this are streamed from disk as they are; ours are a few kB each.
MAX_IN_MEMORY = 1024 * 1024
COMPRESSIBLE = frozenset(
    {
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
        "text/plain",
        "text/html",
        "text/xml",
        "application/xml",
    }
)
# The server's order among codings the browser accepts equally: brotli is ~15 % smaller than gzip here.
ENCODINGS = ("br", "gzip")
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_CHARS}}})(?P<suffix>\.[^.]+)?$")


@dataclass(frozen=True)
class Entry:
    """A static file's content hash, and the stat it was taken at."""

    digest: str
    mtime_ns: int
    size: int


def _read_entry(path: str) -> Entry:
    st = os.stat(path)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:DIGEST_CHARS]
    return Entry(digest, st.st_mtime_ns, st.st_size)


class Digests:
    """The content hashes of a static folder's files, read once (and after each edit in debug mode)."""

    def __init__(self, folder: str):
        self.folder = folder
        self.entries = self._scan()

    def _scan(self) -> dict[str, Entry]:
        found = {}
        for root, _dirs, files in os.walk(self.folder):
            for name in files:
                path = os.path.join(root, name)
                found[os.path.relpath(path, self.folder).replace(os.sep, "/")] = _read_entry(path)
        return found

    def get(self, filename: str, *, fresh: bool = False) -> Entry | None:
        """Return a file's entry; with ``fresh``, first notice an edit, a new file or a removed one."""
        entry = self.entries.get(filename)
        if not fresh:
            return entry
        path = safe_join(self.folder, filename)
        if path is None or not os.path.isfile(path):
            return None
        st = os.stat(path)
        if entry is None or (entry.mtime_ns, entry.size) != (st.st_mtime_ns, st.st_size):
            entry = _read_entry(path)
            # A new dict, not an update: other threads may be reading the old one.
            self.entries = {**self.entries, filename: entry}
        return entry


def hashed_name(filename: str, digest: str) -> str:
    """Return ``filename`` with ``digest`` before its last suffix: js/rider.js → js/rider.<digest>.js."""
    head, sep, base = filename.rpartition("/")
    stem, _dot, suffix = base.rpartition(".")
    base = f"{stem}.{digest}.{suffix}" if stem else f"{base}.{digest}"
    return head + sep + base


def split_hashed(filename: str) -> tuple[str, str] | None:
    """Return (plain name, digest) of a hashed name, or None when it carries no hash."""
    head, sep, base = filename.rpartition("/")
    match = _HASHED.match(base)
    if match is None:
        return None
    return head + sep + match["stem"] + (match["suffix"] or ""), match["digest"]


def _digests() -> Digests:
    return current_app.extensions["static_files"]


def _hash_static_urls(endpoint: str, values: dict) -> None:
    """Put the content hash into every url_for("static", filename=…) of a file that exists."""
    if endpoint != "static" or not values.get("filename"):
        return
    entry = _digests().get(values["filename"], fresh=current_app.debug)
    if entry is not None:
        values["filename"] = hashed_name(values["filename"], entry.digest)


def _coding(size: int) -> str | None:
    config = current_app.config
    if not config["COMPRESS_RESPONSES"] or size < config["COMPRESS_MIN_SIZE"]:
        return None
    return request.accept_encodings.best_match(ENCODINGS)


@lru_cache(maxsize=256)
def _body(path: str, digest: str, coding: str | None) -> bytes:
    """Return a file's bytes in ``coding``: compressed once per process, not on every request."""
    with open(path, "rb") as f:
        data = f.read()
    if coding == "br":
        # Quality 9, not 11: 7 % larger, but Leaflet's 147 kB take 30 ms instead of 270 ms, and the first
        # rider to open a map on each worker waits for it.
        return brotli.compress(data, quality=9)
    if coding == "gzip":
        return gzip.compress(data, compresslevel=9, mtime=0)
    return data


def file_entry(path: str) -> Entry:
    """Return the entry of a file outside the static folder (a vendored one), hashed once per version."""
    st = os.stat(path)
    return _entry_at(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _entry_at(path: str, _mtime_ns: int, _size: int) -> Entry:
    return _read_entry(path)


def _mimetype(path: str) -> str:
    # Source maps are JSON, which the mimetypes table does not say.
    return mimetypes.guess_type(path)[0] or (
        "application/json" if path.endswith(".map") else "application/octet-stream"
    )


def send(path: str, entry: Entry, *, immutable: bool):
    """Serve a file with its content hash as ETag, text compressed once per process (brotli or gzip).

    ``immutable``: its address names this content (a hash or a package version), so it may be kept a
    year; otherwise it is revalidated on every use.
    """
    mimetype = _mimetype(path)
    in_memory = mimetype in COMPRESSIBLE and entry.size <= MAX_IN_MEMORY
    if in_memory:
        coding = _coding(entry.size)
        response = current_app.response_class(_body(path, entry.digest, coding), mimetype=mimetype)
        response.vary.add("Accept-Encoding")
        if coding is not None:
            response.headers["Content-Encoding"] = coding
        response.set_etag(entry.digest if coding is None else f"{entry.digest}-{coding}")
    else:
        # Images and the like: already compressed, and ranges work as Flask's own static files do.
        response = send_file(path, mimetype=mimetype, etag=entry.digest, max_age=None, conditional=True)
    if immutable:
        response.cache_control.no_cache = None  # send_file's default
        response.cache_control.public = True
        response.cache_control.max_age = YEAR_SECONDS
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request) if in_memory else response


# No session: a session read would add "Vary: Cookie", and a cache keeps one copy per rider.
@public_read
def send_static(filename: str):
    """Serve a static file by its hashed name (cached for good) or its plain name (revalidated)."""
    fresh = current_app.debug
    folder = _digests().folder
    entry = _digests().get(filename, fresh=fresh)
    if entry is not None:
        return send(os.path.join(folder, filename), entry, immutable=False)
    split = split_hashed(filename)
    if split is not None:
        name, digest = split
        entry = _digests().get(name, fresh=fresh)
        # A wrong hash is an old or a made-up address: today's bytes must not be cached under it.
        if entry is not None and entry.digest == digest:
            return send(os.path.join(folder, name), entry, immutable=True)
    abort(404)


def _revalidate_pages(response):
    """Make browsers and proxies ask again for a page each time, so it never names stale hashes."""
    if response.mimetype == "text/html" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    """Hash the static files, and serve them under their hashed names."""
    app.extensions["static_files"] = Digests(app.static_folder or "")
    app.view_functions["static"] = send_static
    app.url_defaults(_hash_static_urls)
    app.after_request(_revalidate_pages)
