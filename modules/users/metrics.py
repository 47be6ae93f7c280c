"""The users module's metrics, for Prometheus (the ``hobbymatch_metrics`` hook)."""

from prometheus_client import Counter
from prometheus_client.registry import Collector

# The ``limit`` label of each kind of refusal (ThrottledError.limit).
LIMITS = ("login", "sign_up", "password_reset", "address_mail")


class ThrottleMetrics:
    """Attempts that the module's limits refused."""

    def __init__(self) -> None:
        self.refusals = Counter(
            "hobbymatch_users_throttle_refusals",
            "Attempts refused with 429 by a limit of the users module, by limit (login: too "
            "many failed logins; sign_up; password_reset; address_mail).",
            ["limit"],
            registry=None,
        )
        for limit in LIMITS:
            self.refusals.labels(limit)  # each series exists from the start, at 0

    @property
    def collectors(self) -> list[Collector]:
        """The counters, for the app's registry."""
        return [self.refusals]
