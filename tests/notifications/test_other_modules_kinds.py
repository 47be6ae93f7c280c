"""Another module's notifications: it declares its kinds (``notifications_kinds``) and sends
them through the front door's ``notify``; they are listed, streamed and mailed like the
module's own, and an undeclared kind is refused."""

from collections.abc import Callable, Iterator, Mapping

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from sqlalchemy.orm import Session

from core import Platform, hookimpl
from modules.notifications import notify


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
