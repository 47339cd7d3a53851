"""Injected faults: 5xx, 503, latency, 429 bursts, dropped connections, malformed JSON."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any

from .config import FaultConfig


@dataclass
class Fault:
    """What to do to one request."""

    kind: str = ""  # "", "error", "unavailable", "429", "drop", "malformed"
    latency: float = 0.0


class Faults:
    """Picks a fault per API request from a seeded generator, so a run is repeatable."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._rng = random.Random(config.seed)
        self._burst_left = 0
        self._forced: list[str] = []
        self.counts: dict[str, int] = {}

    def configure(self, values: dict[str, Any]) -> None:
        """Change knobs (reseed when a seed is given); `next` queues faults for coming requests."""
        with self._lock:
            self.config.update(values)
            if "seed" in values:
                self._rng = random.Random(self.config.seed)
            forced = values.get("next")
            if isinstance(forced, list):
                self._forced.extend(str(k) for k in forced)
            if values.get("clear"):
                self._forced.clear()
                self._burst_left = 0

    def pick(self) -> Fault:
        """The fault (possibly none) for the next request."""
        c = self.config
        with self._lock:
            fault = Fault()
            if c.latency_ms or c.latency_jitter_ms:
                fault.latency = (c.latency_ms + self._rng.uniform(0, c.latency_jitter_ms)) / 1000.0
            if self._forced:
                fault.kind = self._forced.pop(0)
            elif self._burst_left > 0:
                self._burst_left -= 1
                fault.kind = "429"
            else:
                roll = self._rng.random()
                for kind, share in (
                    ("error", c.error_rate),
                    ("unavailable", c.unavailable_rate),
                    ("429", c.rate_429),
                    ("drop", c.drop_rate),
                    ("malformed", c.malformed_rate),
                ):
                    if roll < share:
                        fault.kind = kind
                        break
                    roll -= share
                if fault.kind == "429":
                    self._burst_left = max(c.burst_length - 1, 0)
            if fault.kind:
                self.counts[fault.kind] = self.counts.get(fault.kind, 0) + 1
            return fault
