"""The limits a server runs with, and the files of its query page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
ASSETS = {"app.js": "text/javascript; charset=utf-8", "results.js": "text/javascript; charset=utf-8",
          "style.css": "text/css; charset=utf-8", "favicon.svg": "image/svg+xml",
          "vendor/yasgui/yasgui.min.js": "text/javascript; charset=utf-8",
          "vendor/yasgui/yasgui.min.css": "text/css; charset=utf-8"}
"""The query page's files in WEB_DIR served under /static/ (that folder holds other pages too)."""
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
TEXT_PLAIN = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class ServerConfig:
    """Limits of one server; the defaults are the ``serve`` command's."""

    query_timeout: float = 10.0
    max_results: int = 10_000
    workers: int = 2
    max_body: int = 256 * 1024
    max_memory_mb: int | None = 2048
    allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS
    """Host headers accepted (DNS-rebinding guard); None accepts any."""
    allowed_origins: tuple[str, ...] = ()
    """Origins besides the server's own whose pages may call it (e.g. http://localhost:3000)."""

    @property
    def queue_timeout(self) -> float:
        """How long a request waits for a free worker: long enough for a busy one to finish or be
        killed at its deadline, and replaced."""
        return self.query_timeout + 5.0


