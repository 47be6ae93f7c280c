"""Ordinary routes as a module author sees them: a ``def`` route of a throwaway module, written
the usual way, whose write fails after a flush leaves nothing behind and holds no lock; a bad
body is the usual 422; a dependency override is honoured."""

import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core.config import Settings
from core.main import create_app, start_modules, stop_modules
from tests.throwaway_modules import ModuleFolder

LEDGER = """
from typing import Annotated
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Mapped, Session, mapped_column
from core import Base, get_db
from core import ConflictError
from core import StrictBody

router = APIRouter(prefix="/ledger")


class Entry(Base):
    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str]


class EntryIn(StrictBody):
    label: str


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    label: str
    clerk: str = ""


def clerk(request: Request, db: Session = Depends(get_db)) -> str:
    return request.headers.get("x-clerk", "nobody")


Clerk = Annotated[str, Depends(clerk)]


@router.post("/entries", response_model=EntryOut, status_code=201)
def add_entry(body: EntryIn, clerk: Clerk, db: Session = Depends(get_db)) -> EntryOut:
    entry = Entry(label=body.label)
    db.add(entry)
    db.flush()
    if body.label == "refused":
        raise ConflictError("refused after writing")
    db.commit()
    return EntryOut(id=entry.id, label=entry.label, clerk=clerk)


@router.get("/entries", response_model=list[EntryOut])
def list_entries(clerk: Clerk, db: Session = Depends(get_db)) -> list[Entry]:
    return list(db.scalars(select(Entry).order_by(Entry.id)))


@hookimpl
def hobbymatch_models():
    return [Entry]


@hookimpl
def hobbymatch_routers():
    return [router]
"""


@pytest.fixture
def ledger(module_folder: ModuleFolder, settings: Settings) -> Iterator[TestClient]:
    """An app with a throwaway module of ordinary routes."""
    module_folder.write("ledger", body=LEDGER)
    app = create_app(
        settings.model_copy(update={"modules": ["ledger"], "module_paths": [module_folder.root]})
    )
    start_modules(app)
    with TestClient(app) as client:
        yield client
    stop_modules(app)


def test_a_write_that_fails_after_writing_leaves_the_database_unchanged(
    ledger: TestClient,
) -> None:
    assert ledger.post("/ledger/entries", json={"label": "kept"}).status_code == 201
    refused = ledger.post("/ledger/entries", json={"label": "refused"})
    assert refused.status_code == 409
    assert refused.json() == {"detail": "refused after writing"}
    # The next write goes through: the failed one holds no lock and no transaction.
    assert ledger.post("/ledger/entries", json={"label": "after"}).status_code == 201
    labels = [entry["label"] for entry in ledger.get("/ledger/entries").json()]
    assert labels[-2:] == ["kept", "after"]
    assert "refused" not in labels


def test_an_invalid_body_is_the_usual_422(ledger: TestClient) -> None:
    response = ledger.post("/ledger/entries", json={"label": "x", "extra": 1})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "extra"]


def test_a_dependency_override_is_honoured(ledger: TestClient) -> None:
    headers = {"X-Clerk": "ann"}
    overrides = ledger.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[sys.modules["modules.ledger"].clerk] = lambda: "overridden"
    try:
        overridden = ledger.post("/ledger/entries", json={"label": "a"}, headers=headers)
    finally:
        overrides.clear()
    assert overridden.status_code == 201
    assert overridden.json()["clerk"] == "overridden"
    assert (
        ledger.post("/ledger/entries", json={"label": "b"}, headers=headers).json()["clerk"]
        == "ann"
    )
