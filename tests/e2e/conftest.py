"""Browser fixtures: the app in a real server thread, Debian's chromium through Playwright, a phone.

Nothing here skips: a missing chromium or Playwright fails the tests, as a broken
rider page would.
"""

import contextlib

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect, sync_playwright

from tests.e2e.server import serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A cheap Android phone, held in one hand.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


# A district office's laptop, for the staff pages.
LAPTOP = {"viewport": {"width": 1366, "height": 850}, "device_scale_factor": 1}


# A cheap phone on a shared test machine is slow: wait longer than Playwright's 5 s before failing.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser():
    """Launch Debian's chromium once per session."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app):
    """Serve the test app on a free 127.0.0.1 port from a thread; return its base URL."""
    # `phone` and the other browser fixtures need this one, so pytest closes their contexts first.
    with serve(app) as base_url:
        yield base_url


class Phone:
    """A browser context set up like a rider's phone, recording what went wrong on its pages."""

    def __init__(self, browser, base_url: str, *, position=None, locale="zh-CN", device=PHONE):
        options = dict(device, locale=locale, base_url=base_url)
        if position is not None:
            options["geolocation"] = {"latitude": position[0], "longitude": position[1], "accuracy": 20}
            options["permissions"] = ["geolocation"]
        self.context = browser.new_context(**options)
        self.context.set_default_timeout(10_000)
        self.base_url = base_url
        self.errors: list[str] = []
        self.outside: list[str] = []
        # There is no internet in CI: anything not served by the app (tiles above all) fails at once.
        self.context.route(lambda url: not url.startswith(base_url), self._abort_outside)

    def _abort_outside(self, route):
        self.outside.append(route.request.url)
        route.abort()

    def open(self, path: str = "/"):
        """Open a page of the app and return it."""
        page = self.context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("dialog", lambda dialog: (self.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        page.on(
            "console",
            lambda msg: (
                self.errors.append(f"console: {msg.text}")
                if msg.type == "error" and "net::ERR_FAILED" not in msg.text
                else None
            ),
        )
        page.goto(path)
        return page

    def sign_in(self, username: str, password: str, then: str):
        """Log in through the login form, then open ``then``; return the page."""
        page = self.open("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.goto(then)
        return page

    def close(self):
        """Let every page finish loading (the map's scripts load late), then close the context.

        The test has passed or failed by then: a page still busy after 10 s (a starved machine) is
        closed anyway, since the server handles connections reset mid-response (server.py).
        """
        for page in self.context.pages:
            with contextlib.suppress(PlaywrightTimeoutError):
                page.wait_for_load_state("networkidle")
        self.context.close()


@pytest.fixture
def phone(browser, live_server):
    """Return a function making a Phone at a WGS-84 position (None: location refused)."""
    made: list[Phone] = []

    def make(position=None, locale="zh-CN", device=PHONE) -> Phone:
        p = Phone(browser, live_server, position=position, locale=locale, device=device)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()
    # Script errors, CSP violations and alert() calls are failures whatever the test checked.
    assert [e for p in made for e in p.errors] == []
