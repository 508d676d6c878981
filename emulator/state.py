"""Shared emulator state: settings, one-shot faults and the timers that finish slow operations."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

# Faults each patched operation understands. Anything else is rejected by the control route.
KNOWN_FAULTS: dict[str, frozenset[str]] = {
    "sagemaker:UpdateEndpoint": frozenset({"failed", "silent-rollback", "rollback-failed"}),
    "sagemaker:CreateEndpoint": frozenset({"creating", "failed"}),
    "lambda:PutProvisionedConcurrencyConfig": frozenset({"failed"}),
}


@dataclass
class Settings:
    """Knobs set from the command line or the environment at start-up."""

    update_delay_s: float = 1.0


@dataclass
class Faults:
    """One-shot faults, keyed by operation and optionally by resource name.

    A fault registered for a resource wins over one registered for any resource; each is consumed
    by the first matching call.
    """

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: dict[tuple[str, str | None], str] = field(default_factory=dict)

    def inject(self, operation: str, fault: str, resource: str | None = None) -> None:
        allowed = KNOWN_FAULTS.get(operation)
        if allowed is None:
            known = ", ".join(sorted(KNOWN_FAULTS))
            raise ValueError(f"unknown operation {operation!r}; known: {known}")
        if fault not in allowed:
            raise ValueError(
                f"unknown fault {fault!r} for {operation}; known: {', '.join(sorted(allowed))}"
            )
        with self._lock:
            self._pending[(operation, resource)] = fault

    def take(self, operation: str, resource: str | None) -> str | None:
        """Return and consume the fault for this call, if any."""
        with self._lock:
            for key in ((operation, resource), (operation, None)):
                fault = self._pending.pop(key, None)
                if fault is not None:
                    return fault
            return None

    def pending(self) -> list[dict[str, str | None]]:
        with self._lock:
            return [
                {"operation": op, "resource": res, "fault": fault}
                for (op, res), fault in self._pending.items()
            ]

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()


@dataclass
class Scheduler:
    """Runs delayed state transitions on timer threads that stop() cancels and joins."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _timers: set[threading.Timer] = field(default_factory=set)
    _stopped: bool = False

    def later(self, delay_s: float, action: Callable[[], None]) -> None:
        def run() -> None:
            with self._lock:
                self._timers.discard(timer)
                if self._stopped:
                    return
            with MUTATION_LOCK:
                action()

        timer = threading.Timer(max(delay_s, 0.0), run)
        timer.daemon = True
        with self._lock:
            if self._stopped:
                return
            self._timers.add(timer)
        timer.start()

    def cancel_all(self) -> None:
        with self._lock:
            timers = list(self._timers)
            self._timers.clear()
        for timer in timers:
            timer.cancel()
        for timer in timers:
            if timer.is_alive() and timer is not threading.current_thread():
                timer.join(timeout=5)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
        self.cancel_all()


# Serialises the emulator's own changes to moto objects (request threads and timer threads).
MUTATION_LOCK = threading.RLock()

SETTINGS = Settings()
FAULTS = Faults()
SCHEDULER = Scheduler()
