"""Where a region's report notifications go: a WeCom group robot or a signed JSON webhook."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stationfinder.models.base import Base, UTCDateTime, utcnow

FORMATS = ("wecom", "json")
MAX_URL = 2048
MAX_NAME = 80


class Webhook(Base):
    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Reports of this region and of every region inside it are sent here; "000000": the whole country.
    region_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    # A WeCom robot's URL holds its key in the query: it is a secret, shown masked.
    url: Mapped[str] = mapped_column(sa.String(MAX_URL))
    format: Mapped[str] = mapped_column(sa.String(8))
    # The HMAC key of the json format. It must be readable to sign, so it is stored as given,
    # never shown again after it is set (docs/security.md).
    secret: Mapped[str | None] = mapped_column(sa.String(128))
    # Only `flask webhooks add --allow-private` sets it: an office's own intranet robot, or a test.
    allow_private: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    name: Mapped[str] = mapped_column(sa.String(MAX_NAME), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    creator = relationship("User")

    __table_args__ = (sa.CheckConstraint("format IN ('wecom', 'json')", name="format"),)

    def __repr__(self) -> str:
        return f"<Webhook {self.id} {self.region_code} {self.format}>"
