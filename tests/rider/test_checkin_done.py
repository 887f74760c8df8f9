"""The check-in confirmation URL (POST-redirect-GET): shown again to the rider's own phone, briefly."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from stationfinder.extensions import db
from stationfinder.models import Checkin
from stationfinder.ratelimits import DEVICE_COOKIE
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory

T0 = datetime(2025, 3, 10, 6, 5, tzinfo=UTC)  # 14:05 in Shanghai


@pytest.fixture
def tokens(app):
    with app.app_context():
        tokens = [posters.current_poster(StationFactory(name=f"驿站{n}")).token for n in (1, 2)]
        db.session.commit()
        return tokens


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Checkin.id)))


def text(response) -> str:
    return response.get_data(as_text=True)


def tap(client, token: str) -> str:
    """Open the poster page (getting the device cookie), tap, and return the confirmation URL."""
    client.get(f"/c/{token}")
    response = client.post(f"/c/{token}", data={})
    assert response.status_code == 303
    return response.location


def test_reload_and_language_switch_show_the_confirmation_without_counting_again(app, client, tokens):
    with time_machine.travel(T0, tick=False):
        url = tap(client, tokens[0])
        assert re.fullmatch(rf"/c/{tokens[0]}/done/\d+", url)
        first, reload = client.get(url), client.get(url)
        english = client.get(url + "?lang=en")
    for page in (first, reload):
        assert page.status_code == 200 and "14:05 签到成功" in text(page) and "撤销" in text(page)
        assert page.headers["Cache-Control"] == "no-store"
    assert english.status_code == 200 and "Checked in at 14:05" in text(english) and "Undo" in text(english)
    # The page's own language links lead back to this confirmation, not to the tap page.
    assert f'href="{url}?lang=en"' in text(first)
    assert count(app) == 1


def test_a_repeated_tap_confirms_as_counted_once_in_either_language(app, client, tokens):
    with time_machine.travel(T0, tick=False):
        tap(client, tokens[0])
    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        url = tap(client, tokens[0])
        assert "/again/" in url
        assert "只计一次" in text(client.get(url))
        assert "counted once" in text(client.get(url + "?lang=en"))
    assert count(app) == 1


def test_another_phone_or_no_cookie_gets_the_checkin_page_not_the_confirmation(app, tokens):
    mine = app.test_client()
    with time_machine.travel(T0, tick=False):
        url = tap(mine, tokens[0])
        other = app.test_client()
        other.get(f"/c/{tokens[0]}")
        bare = app.test_client()
        for client in (other, bare):
            response = client.get(url)
            assert response.status_code == 303 and response.location == f"/c/{tokens[0]}"
        # A check-in id of another station's poster is not shown either.
        wrong = mine.get(url.replace(tokens[0], tokens[1]))
        assert wrong.status_code == 303 and wrong.location == f"/c/{tokens[1]}"
        missing = mine.get(re.sub(r"\d+$", "99999", url))
        assert missing.status_code == 303
    assert count(app) == 1


def test_the_confirmation_lasts_the_dedupe_window_and_undo_only_its_own(app, client, tokens):
    with time_machine.travel(T0, tick=False):
        url = tap(client, tokens[0])
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        page = client.get(url)
        assert page.status_code == 200 and "14:05" in text(page) and "data-undo-form" not in text(page)
    with time_machine.travel(T0 + timedelta(minutes=29, seconds=59), tick=False):
        assert client.get(url).status_code == 200
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        late = client.get(url)
    assert late.status_code == 303 and late.location == f"/c/{tokens[0]}"


def test_the_confirmation_of_an_undone_checkin_is_gone(app, client, tokens):
    with time_machine.travel(T0, tick=False):
        url = tap(client, tokens[0])
        checkin_id = url.rsplit("/", 1)[1]
        assert client.post(f"/c/{tokens[0]}/undo", data={"checkin": checkin_id}).status_code == 200
        assert client.get(url).status_code == 303
    assert count(app) == 0


def test_an_anonymous_checkin_is_confirmed_through_a_signed_short_lived_ticket(app, tokens):
    client = app.test_client()
    with time_machine.travel(T0, tick=False):
        response = client.post(f"/c/{tokens[0]}", data={})  # no cookie: counted anonymously
        url = response.location
        match = re.fullmatch(rf"/c/{tokens[0]}/done/(\d+)/([\w.-]+)", url)
        assert match, url
        checkin_id, ticket = match.groups()
        cookieless = app.test_client()  # cookies blocked: only the URL proves the check-in
        for page in (cookieless.get(url), cookieless.get(url + "?lang=en")):
            assert page.status_code == 200 and "data-undo-form" not in text(page)
        forged = [
            url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"),
            f"/c/{tokens[0]}/done/{int(checkin_id) + 1}/{ticket}",
            f"/c/{tokens[1]}/done/{checkin_id}/{ticket}",
        ]
        for bad in forged:
            assert cookieless.get(bad).status_code == 303, bad
    with time_machine.travel(T0 + timedelta(minutes=31), tick=False):
        assert cookieless.get(url).status_code == 303
    assert count(app) == 1


def test_a_ticket_does_not_open_a_phones_own_checkin(app, client, tokens):
    with time_machine.travel(T0, tick=False):
        anonymous = app.test_client().post(f"/c/{tokens[0]}", data={}).location
        ticket = anonymous.rsplit("/", 1)[1]
        url = tap(client, tokens[0])
        checkin_id = url.rsplit("/", 1)[1]
        # A ticket signs one anonymous check-in's id only; a device's check-in needs its device.
        stranger = app.test_client()
        assert stranger.get(f"/c/{tokens[0]}/done/{checkin_id}/{ticket}").status_code == 303
    assert client.get_cookie(DEVICE_COOKIE) is not None
