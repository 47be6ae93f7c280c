"""Jobs in tests: a clock that only the test moves, so that a delayed job, a retry's backoff
or a 14-day wait is one line (``clock.move(days=14)``) and never a sleep."""

from datetime import datetime, timedelta


class MovableClock:
    """``clock()`` is the time the test set; :meth:`move` moves it forward.

    Installed as the app's clock (``Platform.of(app).clock = clock``), it is what deferrals,
    workers, leases, backoffs and periods read as "now".
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("give the clock a timezone-aware start")
        self.now = start

    def __call__(self) -> datetime:
        """The current (test) time."""
        return self.now

    def move(self, **duration: float) -> datetime:
        """Move the clock forward by ``timedelta(**duration)`` (``days=14``, ``seconds=10``);
        return the new time."""
        self.now += timedelta(**duration)
        return self.now
