"""The places module's tables: where each person is, as they told it, and when they set it."""

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, UtcDateTime, utc_now
from modules.users import User

MAX_CITY_LENGTH = 100


class Place(Base):
    """Where ``user_id`` is: coordinates nobody else ever sees, and an optional city name."""

    __tablename__ = "places"
    # People within a latitude band: the first cut of every "who is near" query.
    __table_args__ = (Index("ix_places_latitude_longitude", "latitude", "longitude"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    city: Mapped[str | None] = mapped_column(String(MAX_CITY_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


class PlaceChange(Base):
    """When ``user_id`` set their place: counted against the daily limit of place changes, and
    kept when the place itself is removed."""

    __tablename__ = "places_changes"
    __table_args__ = (Index("ix_places_changes_user_id_changed_at", "user_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
