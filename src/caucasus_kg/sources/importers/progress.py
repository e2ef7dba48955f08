"""Progress lines for long imports: records per second while reading, then one line per stage,
and a heartbeat while the graph checks run (they report nothing themselves)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

INTERVAL = 3.0
"""Seconds between progress lines."""


class Progress:
    """Writes ``progress: ...`` lines through ``emit`` (stderr in the command); silent when
    ``emit`` is None."""

    def __init__(self, emit: Callable[[str], None] | None, interval: float = INTERVAL) -> None:
        self.emit = emit
        self.interval = interval
        self.started = time.perf_counter()
        self._stage_started = self.started
        self._last = self.started

    def _say(self, text: str) -> None:
        if self.emit is not None:
            self.emit(f"progress: {text}")

    def records(self, count: int) -> None:
        """Called for every record read; prints at most every ``interval`` seconds."""
        if self.emit is None:
            return
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._last = now
            rate = count / (now - self._stage_started) if now > self._stage_started else 0.0
            self._say(f"reading: {count:,} records, {rate:,.0f} records/s")

    def stage(self, text: str) -> None:
        """A stage finished (or began): always printed, with the time since the start."""
        now = time.perf_counter()
        self._last = self._stage_started = now
        self._say(f"{text} ({now - self.started:.1f} s)")

    @contextmanager
    def waiting(self, text: str) -> Iterator[None]:
        """Print ``text`` now and a heartbeat every ``interval`` seconds until the block ends."""
        self.stage(text)
        if self.emit is None:
            yield
            return
        done = threading.Event()
        began = time.perf_counter()

        def beat() -> None:
            while not done.wait(self.interval):
                self._say(f"{text}: {time.perf_counter() - began:.0f} s so far")

        thread = threading.Thread(target=beat, daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()
