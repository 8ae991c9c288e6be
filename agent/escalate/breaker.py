"""A small circuit breaker: closed -> open after N consecutive failures -> half-open after
a cool-down (one trial call) -> closed on success. Time is injected."""

from __future__ import annotations

from collections.abc import Callable


class CircuitBreaker:
    def __init__(
        self, failures_to_open: int, reset_after_s: float, clock: Callable[[], float]
    ) -> None:
        self._threshold = failures_to_open
        self._reset_after = reset_after_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self._reset_after:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        self._trial_in_flight = False
        if self._failures >= self._threshold or self._opened_at is not None:
            self._opened_at = self._clock()
