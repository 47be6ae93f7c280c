"""The one-hop path as a module author sees it: an ordinary ``def`` route of a throwaway module,
written the usual way, runs its dependencies, its body and the serialization of its answer in
one worker thread, never the event loop's; a write that fails leaves nothing behind."""

import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core.config import Settings
from core.main import create_app, start_modules, stop_modules
from tests.throwaway_modules import ModuleFolder

LEDGER = """
import threading
from typing import Annotated
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, field_serializer
from sqlalchemy import select
from sqlalchemy.orm import Mapped, Session, mapped_column
from core import Base, get_db
from core import ConflictError
from core import StrictBody

threads = {}
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

    @field_serializer("label")
    def serialized_in(self, label: str) -> str:
        threads["serialization"] = threading.get_ident()
        return label


def clerk(request: Request, db: Session = Depends(get_db)) -> str:
    threads["dependency"] = threading.get_ident()
    return request.headers.get("x-clerk", "nobody")


Clerk = Annotated[str, Depends(clerk)]


@router.get("/event-loop-thread")
async def event_loop_thread() -> int:
    return threading.get_ident()


@router.post("/entries", response_model=EntryOut, status_code=201)
def add_entry(body: EntryIn, clerk: Clerk, db: Session = Depends(get_db)) -> Entry:
    threads["endpoint"] = threading.get_ident()
    entry = Entry(label=body.label)
    db.add(entry)
    db.flush()
    if body.label == "refused":
        raise ConflictError("refused after writing")
    db.commit()
    return entry


@router.get("/entries", response_model=list[EntryOut])
def list_entries(clerk: Clerk, db: Session = Depends(get_db)) -> list[Entry]:
    threads["endpoint"] = threading.get_ident()
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
    """An app with a throwaway module of ordinary routes that note the threads they run in."""
    module_folder.write("ledger", body=LEDGER)
    app = create_app(
        settings.model_copy(update={"modules": ["ledger"], "module_paths": [module_folder.root]})
    )
    start_modules(app)
    with TestClient(app) as client:
        yield client
    stop_modules(app)


def threads_of_the_request(
    client: TestClient, method: str, path: str, **kwargs: object
) -> set[int]:
    threads: dict[str, int] = sys.modules["modules.ledger"].threads
    threads.clear()
    response = client.request(method, path, **kwargs)
    assert response.status_code < 300, response.text
    assert set(threads) == {"dependency", "endpoint", "serialization"}
    return set(threads.values())


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/ledger/entries", {"label": "first"}), ("GET", "/ledger/entries", None)],
)
def test_a_def_route_runs_its_dependencies_body_and_serialization_in_one_worker_thread(
    ledger: TestClient, method: str, path: str, body: object
) -> None:
    ledger.post("/ledger/entries", json={"label": "already there"})
    event_loop = ledger.get("/ledger/event-loop-thread").json()
    threads = threads_of_the_request(ledger, method, path, json=body)
    assert len(threads) == 1
    assert event_loop not in threads


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
    ledger_module = sys.modules["modules.ledger"]
    ledger_module.threads.clear()
    overrides = ledger.app.dependency_overrides
    overrides[ledger_module.clerk] = lambda: "overridden"
    try:
        response = ledger.post("/ledger/entries", json={"label": "with an override"})
    finally:
        overrides.clear()
    assert response.status_code == 201
    assert "dependency" not in ledger_module.threads
