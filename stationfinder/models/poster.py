"""A QR poster on a station's wall; its token is what riders scan."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stationfinder.models.base import Base, UTCDateTime, utcnow


class Poster(Base):
    __tablename__ = "poster"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # What a rider types when scanning fails.
    short_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the poster stops working. A rotation sets it to the end of a grace period, so it may lie ahead.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    station = relationship("Station")

    @property
    def active(self) -> bool:
        """Return whether this is a current poster, not one replaced (even if still in its grace period)."""
        return self.retired_at is None
