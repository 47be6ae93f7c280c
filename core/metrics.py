"""Prometheus metrics: the core's own and those each module gives through the
``hobbymatch_metrics`` hook, in a registry of the app's own (:class:`AppMetrics`, kept on its
platform), answered on a port of their own (``HOBBYMATCH_METRICS_PORT``), never the API's.

With several worker processes, each writes its values to files in a folder of the run
(prometheus-client's multiprocess mode: ``PROMETHEUS_MULTIPROC_DIR``, which must be set
before a worker imports prometheus-client) and the process that answers the scrape adds them
up: ``hobbymatch serve`` makes that folder for each run (:func:`multiprocess_folder`), answers
from its own process (:func:`serve_metrics`), and forgets the live gauges of workers that died.
Metrics that are read at scrape time from the database (the jobs in the queue) are read by the
process that answers, once for all workers.
"""

import contextlib
import glob
import logging
import os
import re
import shutil
import tempfile
import time
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import Pool

from core.exceptions import ModuleLoadError
from core.job_queue import count_jobs
from core.jobs import STATUSES
from core.platform import Platform

logger = logging.getLogger("hobbymatch")

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Up to the request deadline (HOBBYMATCH_REQUEST_TIMEOUT, 10 s by default).
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
POOL_WAIT_BUCKETS = (0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0)
# The route label of a request that no route matched: never its path, which a client chooses.
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HttpMetrics:
    """What the request middleware counts: answers, their latency, the requests in flight."""

    def __init__(self) -> None:
        self.requests = Counter(
            "hobbymatch_http_requests",
            "Requests answered, by route template (never the raw path), method and status.",
            ["route", "method", "status"],
            registry=None,
        )
        self.duration = Histogram(
            "hobbymatch_http_request_duration_seconds",
            "Time from a request's arrival to its answer's end; streams of events are not timed.",
            ["route", "method"],
            buckets=REQUEST_BUCKETS,
            registry=None,
        )
        self.in_flight = Gauge(
            "hobbymatch_http_requests_in_flight",
            "Requests being answered now; an open stream of events counts until it starts.",
            multiprocess_mode="livesum",
            registry=None,
        )

    def answered(self, *, route: str, method: str, status: int, seconds: float | None) -> None:
        """Count one answer; ``seconds`` is ``None`` for a stream, which is not timed."""
        method = method if method in _METHODS else "other"
        self.requests.labels(route, method, str(status)).inc()
        if seconds is not None:
            self.duration.labels(route, method).observe(seconds)

    @property
    def collectors(self) -> list[Collector]:
        """The metrics, for a registry."""
        return [self.requests, self.duration, self.in_flight]


class _PoolWatch:
    """The one set of hooks on a pool, which tells every app that watches it: test apps share
    engines, and each must not wrap the pool again."""

    _of_pool: ClassVar["weakref.WeakKeyDictionary[Pool, _PoolWatch]"] = weakref.WeakKeyDictionary()

    def __init__(self, pool: Pool) -> None:
        self.observers: list[tuple[Any, Any]] = []  # (lent-out gauge, wait histogram) children
        event.listen(pool, "checkout", self._lent)
        event.listen(pool, "checkin", self._returned)
        # The pool has no event before a checkout: time the one call through which the engine
        # asks its pool for a connection. (The pool is made anew only when the engine is
        # disposed, which the platform does once, as it closes.)
        connect = pool.connect

        def timed_connect() -> Any:
            started = time.perf_counter()
            try:
                return connect()
            finally:
                for _, wait in self.observers:
                    wait.observe(time.perf_counter() - started)

        pool.connect = timed_connect  # type: ignore[method-assign]

    @classmethod
    def of(cls, pool: Pool) -> "_PoolWatch":
        """The watch of ``pool``, made on first use."""
        watch = cls._of_pool.get(pool)
        if watch is None:
            watch = cls._of_pool[pool] = cls(pool)
        return watch

    def _lent(self, *_: object) -> None:
        for checked_out, _ in self.observers:
            checked_out.inc()

    def _returned(self, *_: object) -> None:
        for checked_out, _ in self.observers:
            checked_out.dec()


class PoolMetrics:
    """The database pools of one process: connections lent out, and the time to get one."""

    def __init__(self) -> None:
        self._watching: list[tuple[_PoolWatch, tuple[Any, Any]]] = []
        self.checked_out = Gauge(
            "hobbymatch_db_pool_checked_out",
            "Database connections lent out now, by pool (primary, reads).",
            ["pool"],
            multiprocess_mode="livesum",
            registry=None,
        )
        self.capacity = Gauge(
            "hobbymatch_db_pool_capacity",
            "Connections a pool may lend at most (HOBBYMATCH_DATABASE_POOL_SIZE + _MAX_OVERFLOW).",
            ["pool"],
            multiprocess_mode="livesum",
            registry=None,
        )
        self.wait = Histogram(
            "hobbymatch_db_pool_wait_seconds",
            "Time to get a connection from the pool: waiting for a free one, or opening one.",
            ["pool"],
            buckets=POOL_WAIT_BUCKETS,
            registry=None,
        )

    def watch(self, engine: Engine, name: str, capacity: int) -> None:
        """Follow ``engine``'s pool under the label ``name``, until :meth:`unwatch`."""
        self.capacity.labels(name).set(capacity)
        watch = _PoolWatch.of(engine.pool)
        observer = (self.checked_out.labels(name), self.wait.labels(name))
        watch.observers.append(observer)
        self._watching.append((watch, observer))

    def unwatch(self) -> None:
        """Stop following the pools (the app stops; its engines may serve another app)."""
        for watch, observer in self._watching:
            watch.observers.remove(observer)
        self._watching.clear()

    @property
    def collectors(self) -> list[Collector]:
        """The metrics, for a registry."""
        return [self.checked_out, self.capacity, self.wait]


class JobQueueCollector:
    """The jobs in the queue, by module and status, read from ``hobbymatch_jobs`` at each
    scrape: one count for all workers and machines, read by the process that answers."""

    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    def describe(self) -> Iterable[Metric]:
        """The family, without reading the database."""
        return [self._family()]

    def collect(self) -> Iterable[Metric]:
        """Count the jobs; nothing when the database does not answer (the scrape goes on)."""
        family = self._family()
        try:
            with self._platform.session_factory() as db:
                counts = count_jobs(db)
        except SQLAlchemyError as error:
            logger.warning("metrics: the jobs could not be counted (%s)", type(error).__name__)
            return []
        declaring = {module.name for module, _job in self._platform.registry.jobs.values()}
        for module in sorted(declaring | set(counts)):
            for status in STATUSES:
                family.add_metric(
                    [module, status], counts[module][status] if module in counts else 0
                )
        return [family]

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "hobbymatch_jobs",
            "Jobs in the queue, by module and status (queued, running, failed).",
            labels=["module", "status"],
        )


@dataclass
class AppMetrics:
    """An app's metrics: :attr:`registry` holds them all; :attr:`shared` are those read at
    scrape time from what every process shares (the database), which the process answering
    a multiprocess scrape adds to the workers' files."""

    http: HttpMetrics = field(default_factory=HttpMetrics)
    pools: PoolMetrics = field(default_factory=PoolMetrics)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    shared: list[Collector] = field(default_factory=list)

    def add(self, collector: Collector) -> None:
        """Register ``collector``; one that is not a metric of this process is shared."""
        self.registry.register(collector)
        if not isinstance(collector, MetricWrapperBase):
            self.shared.append(collector)


def install_metrics(app: FastAPI) -> AppMetrics:
    """Make ``app``'s metrics, the core's and its modules' (``hobbymatch_metrics``), and keep
    them on its platform.

    :raises ModuleLoadError: a module's metric is not named ``hobbymatch_<module>_...``.
    """
    platform = Platform.of(app)
    metrics = AppMetrics()
    started = Gauge(
        "hobbymatch_process_start_time_seconds",
        "When each serving process started (Unix time): one series per live worker.",
        multiprocess_mode="liveall",
        registry=None,
    )
    started.set(time.time())
    for collector in [*metrics.http.collectors, *metrics.pools.collectors, started]:
        metrics.add(collector)
    settings = platform.settings
    capacity = settings.database_pool_size + settings.database_max_overflow
    metrics.pools.watch(platform.engine, "primary", capacity)
    metrics.pools.watch(platform.read_engine, "reads", capacity)
    if platform.registry.jobs:
        metrics.add(JobQueueCollector(platform))
    for module, collectors in platform.registry.call_each("hobbymatch_metrics", app=app):
        for collector in collectors or ():
            _check_names(module.name, collector)
            metrics.add(collector)
    platform.keep(metrics)
    return metrics


def _check_names(module_name: str, collector: Collector) -> None:
    prefix = f"hobbymatch_{module_name}_"
    describe = getattr(collector, "describe", None)
    if describe is None:
        raise ModuleLoadError(
            f"module {module_name!r}: a collector from hobbymatch_metrics needs a describe() "
            "method listing its metrics, so that their names can be checked at startup"
        )
    for family in describe():
        if not family.name.startswith(prefix):
            suggested = prefix + re.sub(r"^hobbymatch_", "", family.name)
            raise ModuleLoadError(
                f"module {module_name!r}: metric {family.name!r} must be named {prefix}...; "
                f"did you mean {suggested!r}?"
            )


def scrape_registry(app: FastAPI, folder: Path | None = None) -> CollectorRegistry:
    """What a scrape answers: ``app``'s own registry, or, with the run's multiprocess
    ``folder``, every worker's files added up and the metrics read from the database."""
    metrics = Platform.of(app).state_of(AppMetrics)
    if folder is None:
        return metrics.registry
    registry = CollectorRegistry()
    registry.register(_LiveWorkersCollector(folder))
    for collector in metrics.shared:
        registry.register(collector)
    return registry


class _LiveWorkersCollector:
    """prometheus-client's multiprocess collector, after forgetting the live gauges (the
    requests in flight, the connections lent out) of the workers that died since the last
    scrape. Their counters stay: a total must never go down."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._files = MultiProcessCollector(None, path=str(folder))  # type: ignore[no-untyped-call]

    def collect(self) -> Iterable[Metric]:
        """Forget the dead, then add up every worker's files."""
        for pid in _pids_with_live_gauges(self._folder):
            if not _is_alive(pid):
                mark_process_dead(pid, str(self._folder))  # type: ignore[no-untyped-call]
        collected: Iterable[Metric] = self._files.collect()  # type: ignore[no-untyped-call]
        return collected


def _pids_with_live_gauges(folder: Path) -> set[int]:
    names = glob.glob(str(folder / "gauge_live*_*.db"))
    return {int(match[1]) for name in names if (match := re.search(r"_(\d+)\.db$", name))}


def _is_alive(pid: int) -> bool:
    try:
        with contextlib.suppress(PermissionError):  # alive, another user's
            os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def multiprocess_folder() -> Iterator[Path]:
    """A fresh folder for this run's worker files, named in ``PROMETHEUS_MULTIPROC_DIR`` for
    the workers this process starts next, and removed with everything in it afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="hobbymatch-metrics-"))
    previous = os.environ.get(MULTIPROCESS_VARIABLE)
    os.environ[MULTIPROCESS_VARIABLE] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop(MULTIPROCESS_VARIABLE, None)
        else:
            os.environ[MULTIPROCESS_VARIABLE] = previous
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def serve_metrics(registry: CollectorRegistry, host: str, port: int) -> Iterator[int]:
    """Answer scrapes of ``registry`` (``GET /metrics``, Prometheus' text format) on
    ``host``:``port`` from a thread of this process until the block ends; yields the port
    (the one chosen when ``port`` is 0)."""
    server, thread = start_http_server(port, addr=host, registry=registry)
    try:
        yield int(server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
