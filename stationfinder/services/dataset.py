"""The stations dataset version: bumped by every station write, read by search indexes."""

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import DatasetVersion

STATIONS = "stations"


def bump(name: str = STATIONS) -> None:
    """Mark the dataset changed, inside the caller's transaction."""
    updated = db.session.execute(
        sa.update(DatasetVersion)
        .where(DatasetVersion.name == name)
        .values(version=DatasetVersion.version + 1)
    )
    if updated.rowcount == 0:
        db.session.add(DatasetVersion(name=name, version=1))
    db.session.flush()


def current(name: str = STATIONS) -> int:
    """Return the dataset version (0 before the first write)."""
    return db.session.scalar(sa.select(DatasetVersion.version).where(DatasetVersion.name == name)) or 0
