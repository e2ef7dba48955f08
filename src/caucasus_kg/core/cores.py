"""How many threads the checks may run side by side: the machine's cores, less those that loads
running in the background keep busy.

An import loads its file into the store on disk in a thread while the checks run (one core) and
that load is the longest path of the command, so the checks leave it its core: on two cores,
SHACL's two threads beside it made the load of the SIPRI register take 14-16 s instead of 10 s.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_busy = 0
_lock = threading.Lock()


@contextmanager
def keeping_a_core_busy() -> Iterator[None]:
    """Around work that keeps one core busy in a thread of its own (a bulk load)."""
    global _busy
    with _lock:
        _busy += 1
    try:
        yield
    finally:
        with _lock:
            _busy -= 1


def free_cores() -> int:
    """The cores not kept busy by background work; at least one."""
    with _lock:
        busy = _busy
    return max(1, (os.cpu_count() or 1) - busy)
