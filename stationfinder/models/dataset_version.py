"""A single counter bumped by every station write.

Each worker keeps an in-memory nearest-search index; comparing this one row
tells it cheaply whether its copy is stale, across processes.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from stationfinder.models.base import Base


class DatasetVersion(Base):
    __tablename__ = "dataset_version"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
