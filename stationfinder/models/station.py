"""A rest station for outdoor workers."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from stationfinder.amenities import from_mask
from stationfinder.models.base import Base, UTCDateTime, utcnow


class StationStatus(enum.StrEnum):
    OPEN = "open"
    TEMPORARILY_CLOSED = "temporarily_closed"
    CLOSED = "closed"


class StationAccess(enum.StrEnum):
    PUBLIC = "public"
    MEMBERS = "members"


class Station(Base):
    __tablename__ = "station"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    # Always WGS-84; GCJ-02/BD-09 input is converted on the way in.
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)
    region_code: Mapped[str | None] = mapped_column(sa.String(6), index=True)
    amenity_mask: Mapped[int] = mapped_column(sa.Integer, default=0)
    opening_hours: Mapped[str] = mapped_column(sa.String(200), default="24/7")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    access: Mapped[str] = mapped_column(sa.String(16), default=StationAccess.PUBLIC.value)
    seats: Mapped[int | None] = mapped_column(sa.Integer)
    area_m2: Mapped[int | None] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(24), default=StationStatus.OPEN.value)
    is_demo: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    last_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'temporarily_closed', 'closed')", name="status"),
        sa.CheckConstraint("access IN ('public', 'members')", name="access"),
    )

    @property
    def amenities(self) -> list[str]:
        return from_mask(self.amenity_mask)

    @property
    def public_key(self) -> str:
        """Return the key riders and reports use: the ref, or the id when there is none."""
        return self.ref or str(self.id)

    def __repr__(self) -> str:
        return f"<Station {self.id} {self.ref or ''}>"
