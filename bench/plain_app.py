"""Baseline (c) of bench/http_load.py, the plain way: GET /users/{id} as a first FastAPI tutorial
writes it — a ``def`` route, a ``get_db`` yield dependency, the ORM entity, ``response_model``,
and SQLAlchemy's default engine and pool. What HobbyMatch's tuning is measured against.
"""

import os
import uuid
from collections.abc import Iterator
from datetime import datetime

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

engine = create_engine(os.environ["HOBBYMATCH_DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)


class Base(DeclarativeBase):
    """This app's own declarative base."""


class User(Base):
    """The users table, as far as this endpoint reads it."""

    __tablename__ = "users"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    display_name: Mapped[str]
    bio: Mapped[str | None]
    is_active: Mapped[bool]
    created_at: Mapped[datetime]


class UserOut(BaseModel):
    """A public profile."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    display_name: str
    bio: str | None
    created_at: datetime


def get_db() -> Iterator[Session]:
    """Yield a session, close it after the request."""
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


app = FastAPI()


@app.get("/users/{user_id}", response_model=UserOut)
def read_user(user_id: uuid.UUID, db: Session = Depends(get_db)) -> User:
    """One user's public profile, or 404."""
    user = db.get(User, user_id)
    if user is None or not user.is_active:
        raise HTTPException(status_code=404, detail="user not found")
    return user


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness."""
    return {"status": "ok"}
