"""Accounts for station managers, district staff and admins."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from stationfinder.models.base import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    MANAGER = "manager"


manager_station = sa.Table(
    "manager_station",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("station_id", sa.ForeignKey("station.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(16))
    # Staff scope: a 6-digit adcode; trailing "00" pairs widen it (520000 = Guizhou).
    region_code: Mapped[str | None] = mapped_column(sa.String(6))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every session and remember cookie (get_id); bumping it ends them all at once.
    session_version: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")

    stations = relationship("Station", secondary=manager_station, lazy="selectin")

    __table_args__ = (sa.CheckConstraint("role IN ('admin', 'staff', 'manager')", name="role"),)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of disabled users.
        return self.active

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in sessions and remember cookies: "<id>:<session version>"."""
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        """Hash and store a password with werkzeug's scrypt."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        """Return whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
