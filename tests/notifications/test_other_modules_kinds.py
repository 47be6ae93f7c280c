"""Another module's notifications: it declares its kinds (``notifications_kinds``) and sends
them through the front door's ``notify``; they are listed, streamed and mailed like the
module's own, and an undeclared kind is refused."""

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from hobbymatch_testkit.jobs import MovableClock
from hobbymatch_testkit.mail import SmtpServer
from sqlalchemy.orm import Session

from core import Platform, hookimpl
from modules.notifications import notify
from tests.mailbox import settings, verify_address  # noqa: F401 (settings: a fixture)


class Bakery:
    """A module's front door, as far as this extension point goes."""

    @hookimpl
    def notifications_kinds(self) -> Mapping[str, str]:
        """One kind of notification."""
        return {"bakery.bread_ready": "{actor} baked bread for you"}


@pytest.fixture
def bakery(app: FastAPI) -> Iterator[None]:
    """The bakery plugged into the test app for the test."""
    manager = Platform.of(app).registry.plugin_manager
    plugin = Bakery()
    manager.register(plugin)
    yield
    manager.unregister(plugin)


@pytest.mark.usefixtures("bakery")
def test_a_declared_kind_is_listed_like_the_modules_own(
    client: TestClient, sign_up: Callable[..., Account], db: Session
) -> None:
    baker, ann = sign_up(display_name="Baker"), sign_up()
    notify(db, user_id=ann.id, kind="bakery.bread_ready", actor_id=baker.id, subject_id=7)
    db.commit()
    response = client.get("/notifications", headers=ann.headers)
    [item] = response.json()["items"]
    assert (item["kind"], item["actor"]["display_name"], item["subject_id"]) == (
        "bakery.bread_ready",
        "Baker",
        "7",
    )


def test_an_undeclared_kind_or_one_of_the_modules_own_is_refused(
    sign_up: Callable[..., Account], db: Session
) -> None:
    ann, ben = sign_up(), sign_up()
    for kind in ("bakery.bread_ready", "request_received"):
        with pytest.raises(ValueError, match="declares the notification kind"):
            notify(db, user_id=ann.id, kind=kind, actor_id=ben.id, subject_id=1)


@pytest.mark.usefixtures("bakery")
def test_what_cannot_wait_is_mailed_at_once_and_never_again_in_a_digest(
    sign_up: Callable[..., Account],
    db: Session,
    clock: MovableClock,
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
) -> None:
    baker, ann = sign_up(display_name="Baker"), sign_up()
    verify_address(db, ann)
    notify(
        db,
        user_id=ann.id,
        kind="bakery.bread_ready",
        actor_id=baker.id,
        subject_id=7,
        mail_now=True,
    )
    db.commit()
    run_jobs()
    [mail] = [m for m in smtp_server.to(ann.email) if "bread" in m["Subject"]]
    assert mail["Subject"] == "Baker baked bread for you on HobbyMatch"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    clock.move(days=2)
    run_jobs()
    assert len([m for m in smtp_server.to(ann.email) if "bread" in m["Subject"]]) == 1
