"""Stations with (or without) enough check-ins for a busy-now level, and riders arriving at them."""

from datetime import UTC, datetime, timedelta

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.services import checkins
from stationfinder.services.busy.levels import MIN_CHECKINS
from stationfinder.services.posters import tokens as posters

# Monday 2025-03-10, 12:00 in Shanghai: lunch rush.
T0 = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)


def token_of(station) -> str:
    """Return the token of the station's poster (made on first use)."""
    return posters.current_poster(station).token


def give_history(station, n: int = MIN_CHECKINS, days_ago: int = 1, now: datetime = T0, fold: bool = True):
    """Record ``n`` check-ins by different riders ``days_ago`` local days before ``now``; fold them."""
    token = token_of(station)
    for i in range(n):
        at = now - timedelta(days=days_ago, seconds=i)
        checkins.record(token, f"past-{station.id}-{days_ago}-{i}", "courier", now=at)
    db.session.commit()
    if fold:
        units.fold()


def arrive(station, riders: int, now: datetime = T0, first: int = 0, device: bool = True) -> None:
    """Record check-ins of ``riders`` different riders at ``now`` (without device ids when not ``device``)."""
    token = token_of(station)
    for i in range(first, first + riders):
        checkins.record(token, f"rider-{station.id}-{i}" if device else None, "courier", now=now)
    db.session.commit()
