"""Live mode: the shops keep moving (new orders, steps, requests) at a configurable pace."""

from __future__ import annotations

import threading

from .state import Store


class Live:
    """A background thread running one life-cycle event every `pace` seconds."""

    def __init__(self, store: Store, pace: float) -> None:
        self.store = store
        self.pace = pace
        self.running = False
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.events = 0

    def configure(self, on: bool, pace: float | None = None) -> None:
        """Turn live mode on or off and set its pace."""
        if pace is not None and pace > 0:
            self.pace = pace
        if on and not self.running:
            self.running = True
            self._wake.clear()
            self._thread = threading.Thread(target=self._run, name="sandbox-live", daemon=True)
            self._thread.start()
        elif not on and self.running:
            self.running = False
            self._wake.set()

    def _run(self) -> None:
        while self.running:
            if self._wake.wait(self.pace):
                break
            with self.store.lock:
                self.store.tick()
                self.store.live_step()
                self.events += 1
