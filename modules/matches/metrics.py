"""What this worker's matching index holds, for Prometheus (the ``hobbymatch_metrics`` hook):
gauges set by the index itself after each build and each sync, one series per worker."""

import time
from collections.abc import Mapping

from prometheus_client import Gauge
from prometheus_client.registry import Collector


def _gauge(name: str, documentation: str) -> Gauge:
    # Each worker has its index: with several, one series each (labelled pid).
    return Gauge(name, documentation, multiprocess_mode="liveall", registry=None)


class IndexMetrics:
    """The index's state, size and freshness."""

    def __init__(self) -> None:
        self.ready = _gauge(
            "hobbymatch_matches_index_ready",
            "1 once the index is built; 0 while the first build runs or when it is off "
            "(rankings then come from SQL).",
        )
        self.users = _gauge("hobbymatch_matches_index_users", "Users the index holds.")
        self.entries = _gauge(
            "hobbymatch_matches_index_entries", "Skill list entries the index holds."
        )
        self.changed = _gauge(
            "hobbymatch_matches_index_changed_since_build",
            "Users re-read since the last build; past HOBBYMATCH_MATCHES_REBUILD_AFTER_CHANGES "
            "the index is rebuilt.",
        )
        self.memory = _gauge("hobbymatch_matches_index_memory_bytes", "Memory of the index.")
        self.build_duration = _gauge(
            "hobbymatch_matches_index_build_duration_seconds", "How long the last build took."
        )
        self.built_at = _gauge(
            "hobbymatch_matches_index_last_build_timestamp_seconds",
            "When the last build ended (Unix time).",
        )
        self.synced_at = _gauge(
            "hobbymatch_matches_index_last_sync_timestamp_seconds",
            "When the index last read the change log (Unix time): time() minus this is how "
            "far behind it may be.",
        )

    @property
    def collectors(self) -> list[Collector]:
        """The gauges, for the app's registry."""
        return [
            self.ready,
            self.users,
            self.entries,
            self.changed,
            self.memory,
            self.build_duration,
            self.built_at,
            self.synced_at,
        ]

    def record(self, stats: Mapping[str, object], *, built: bool) -> None:
        """Set the gauges from the index's ``stats()``, just after a sync or (``built``) a
        build."""
        now = time.time()
        self.ready.set(1 if stats["ready"] else 0)
        self.users.set(_number(stats["users"]))
        self.entries.set(_number(stats["entries"]))
        self.changed.set(_number(stats["changed_since_build"]))
        self.memory.set(_number(stats["memory_bytes"]))
        self.synced_at.set(now)
        if built:
            self.build_duration.set(_number(stats["build_seconds"]))
            self.built_at.set(now)


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
