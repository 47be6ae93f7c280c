"""``/metrics`` on a port of its own, in Prometheus' text format: requests by route template,
latency, requests in flight, the database pools, the jobs in the queue, and what the modules
add through ``hobbymatch_metrics`` (the matching index, open streams, login refusals)."""

import asyncio
import contextlib
import os
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit import SharedEngines
from hobbymatch_testkit.accounts import Account
from prometheus_client.parser import text_string_to_metric_families

from core import Platform, Settings
from core.exceptions import ModuleLoadError
from core.main import create_app, start_modules, stop_modules
from core.metrics import scrape_registry, serve_metrics
from modules.matches.freshness import LiveIndex
from modules.notifications.live import StreamHub
from tests.faults.servers import free_port, wait_until_healthy
from tests.fresh_processes import HOBBYMATCH
from tests.throwaway_modules import ModuleFolder


@dataclass
class Scrape:
    """One scrape's samples: ``(name, labels) -> value``."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]
    content_type: str

    def value(self, name: str, **labels: str) -> float:
        """The sample of ``name`` with exactly ``labels`` (``KeyError`` when absent)."""
        return self.samples[(name, frozenset(labels.items()))]

    def label_values(self, name: str, label: str) -> set[str]:
        """Every value of ``label`` among the samples of ``name``."""
        return {
            dict(labels)[label]
            for sample_name, labels in self.samples
            if sample_name == name and label in dict(labels)
        }


def scrape_port(port: int) -> Scrape:
    """Scrape the metrics on ``port``, as Prometheus would."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        text = answer.read().decode()
        content_type = answer.headers["Content-Type"]
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return Scrape(samples, content_type)


def scrape_until(port: int, condition: Callable[[Scrape], bool], timeout: float = 60) -> Scrape:
    """Scrape ``port`` until ``condition`` holds of the scrape (``TimeoutError`` after
    ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            scraped = scrape_port(port)
            if condition(scraped):
                return scraped
        time.sleep(0.1)
    raise TimeoutError("the scrapes never showed what was awaited")


@pytest.fixture
def scrape(app: FastAPI) -> Iterator[Callable[[], Scrape]]:
    """Scrape the test app's metrics port."""
    with serve_metrics(scrape_registry(app), "127.0.0.1", 0) as port:
        yield lambda: scrape_port(port)


def test_a_scrape_counts_requests_by_route_template(
    client: TestClient, sign_up: Callable[..., Account], scrape: Callable[[], Scrape]
) -> None:
    ada = sign_up()
    assert client.get(f"/users/{ada.id}", headers=ada.headers).status_code == 200
    assert client.get(f"/users/{ada.id}", headers=ada.headers).status_code == 200
    assert client.get(f"/users/{uuid.uuid4()}", headers=ada.headers).status_code == 404
    assert client.get(f"/no/such/{ada.id}").status_code == 404
    assert client.request("BREW", "/health").status_code == 405

    scraped = scrape()

    assert scraped.content_type.startswith("text/plain; version=0.0.4")
    requests = "hobbymatch_http_requests_total"
    profile = {"route": "/users/{user_id}", "method": "GET"}
    assert scraped.value(requests, **profile, status="200") == 2
    assert scraped.value(requests, **profile, status="404") == 1
    assert scraped.value(requests, route="unmatched", method="GET", status="404") == 1
    assert scraped.value(requests, route="/users", method="POST", status="201") == 1
    assert scraped.value(requests, route="/health", method="other", status="405") == 1
    assert not any(str(ada.id) in route for route in scraped.label_values(requests, "route"))
    latency = "hobbymatch_http_request_duration_seconds"
    assert scraped.value(f"{latency}_count", **profile) == 3
    assert scraped.value(f"{latency}_bucket", **profile, le="+Inf") == 3
    assert scraped.value("hobbymatch_http_requests_in_flight") == 0
    assert scraped.value("hobbymatch_db_pool_capacity", pool="primary") == 20
    assert scraped.value("hobbymatch_db_pool_wait_seconds_count", pool="reads") >= 3
    # The sign-up queued the mail that checks the address; no worker runs in a test app.
    assert scraped.value("hobbymatch_jobs", module="users", status="queued") == 1
    assert scraped.value("hobbymatch_jobs", module="users", status="failed") == 0
    assert scraped.value("hobbymatch_jobs", module="notifications", status="running") == 0
    assert scraped.value("hobbymatch_process_start_time_seconds") > 0


def test_a_stopped_app_stops_counting_the_pools_it_shared(
    client: TestClient,
    settings: Settings,
    shared_engines: SharedEngines,
    sign_up: Callable[..., Account],
) -> None:
    # Test apps share engines (as the kit's app does): an app that stopped leaves the pools
    # unwrapped, so that the next apps neither count for it nor pile wrappers on the pool.
    earlier = create_app(settings, engines=shared_engines.for_settings(settings))
    start_modules(earlier)
    stop_modules(earlier)
    with serve_metrics(scrape_registry(earlier), "127.0.0.1", 0) as port:
        before = scrape_port(port).value("hobbymatch_db_pool_wait_seconds_count", pool="primary")
        sign_up()
        after = scrape_port(port).value("hobbymatch_db_pool_wait_seconds_count", pool="primary")
    assert after == before
    assert client.get("/health").status_code == 200


def test_modules_add_their_own_metrics(
    app: FastAPI,
    client: TestClient,
    sign_up: Callable[..., Account],
    scrape: Callable[[], Scrape],
) -> None:
    ada = sign_up()
    wrong = {"username": ada.email, "password": "not the password"}
    statuses = [client.post("/auth/token", data=wrong).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    [skill] = client.get("/skills", params={"limit": 1}).json()["items"]
    listed = [{"skill_id": skill["id"], "intent": "share"}]
    assert client.put("/users/me/skills", json=listed, headers=ada.headers).status_code == 200
    platform = Platform.of(app)
    index = platform.state_of(LiveIndex)
    assert index.wait_ready(timeout=30)
    index.rebuild()

    async def scrape_with_a_stream_open() -> Scrape:
        with platform.state_of(StreamHub).subscription(ada.id, token_version=0):
            return scrape()

    scraped = asyncio.run(scrape_with_a_stream_open())
    after = scrape()

    refusals = "hobbymatch_users_throttle_refusals_total"
    assert scraped.value(refusals, limit="login") == 1
    assert scraped.value(refusals, limit="sign_up") == 0
    assert scraped.value("hobbymatch_matches_index_ready") == 1
    assert scraped.value("hobbymatch_matches_index_users") == 1
    assert scraped.value("hobbymatch_matches_index_entries") == 1
    assert scraped.value("hobbymatch_matches_index_last_build_timestamp_seconds") > 0
    assert scraped.value("hobbymatch_matches_index_last_sync_timestamp_seconds") > 0
    assert scraped.value("hobbymatch_notifications_open_streams") == 1
    assert after.value("hobbymatch_notifications_open_streams") == 0


def test_a_module_metric_without_its_prefix_stops_startup(
    settings: Settings, module_folder: ModuleFolder
) -> None:
    module_folder.write(
        "loud_counter",
        body="""
            from prometheus_client import Counter

            @hookimpl
            def hobbymatch_metrics(app):
                return [Counter("hobbymatch_clicks", "Clicks.", registry=None)]
        """,
    )
    with pytest.raises(ModuleLoadError) as raised:
        create_app(
            settings.model_copy(
                update={"module_paths": [module_folder.root], "modules": ["loud_counter"]}
            )
        )
    assert str(raised.value) == (
        "module 'loud_counter': metric 'hobbymatch_clicks' must be named "
        "hobbymatch_loud_counter_...; did you mean 'hobbymatch_loud_counter_clicks'?"
    )


def test_two_workers_add_up_in_one_scrape(tmp_path: Path) -> None:
    port, metrics_port = free_port(), free_port()
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("HOBBYMATCH_")},
        "HOBBYMATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "HOBBYMATCH_MODULES": "users",
        "HOBBYMATCH_METRICS_PORT": str(metrics_port),
    }
    with (tmp_path / "server.log").open("w") as log:
        server = subprocess.Popen(
            [HOBBYMATCH, "serve", "--workers", "2", "--port", str(port)],
            cwd=tmp_path,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, time.monotonic() + 60)
        workers = "hobbymatch_process_start_time_seconds"
        scrape_until(metrics_port, lambda scraped: len(scraped.label_values(workers, "pid")) == 2)
        for _ in range(20):  # each on a connection of its own: either worker may answer
            with urllib.request.urlopen(f"{base}/", timeout=10) as answer:  # noqa: S310 (loopback)
                assert answer.status == 200
        scraped = scrape_port(metrics_port)
        assert (
            scraped.value("hobbymatch_http_requests_total", route="/", method="GET", status="200")
            == 20
        )
        assert len(scraped.label_values(workers, "pid")) == 2
    finally:
        server.terminate()
        assert server.wait(timeout=30) == 0
