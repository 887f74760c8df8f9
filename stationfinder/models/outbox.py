"""The transactional outbox: one notification for one webhook, written with the change it tells of."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stationfinder.models.base import Base, UTCDateTime, utcnow

STATUSES = ("pending", "delivered", "abandoned")
MAX_ERROR = 300


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Removing a webhook drops what was still to be sent to it.
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    # "report.filed" or "report.changed".
    event: Mapped[str] = mapped_column(sa.String(32))
    # The message as it was when the change happened (JSON); the send adds only its timestamp.
    payload: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    tries: Mapped[int] = mapped_column(sa.Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker that claimed the row owns it until then; a killed worker's row is due again after.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(sa.String(32))
    last_status: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str] = mapped_column(sa.String(MAX_ERROR), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    webhook = relationship("Webhook")
    report = relationship("Report")

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'delivered', 'abandoned')", name="status"),
        # What a worker asks for: pending rows that are due.
        sa.Index("ix_outbox_status_due_at", "status", "due_at"),
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.event} {self.status} tries={self.tries}>"
