"""The limits on anonymous /validate dry runs: a body size (DRIEHOEK_VALIDATE_ANONYMOUS_MAX) and a
rate per client address (DRIEHOEK_VALIDATE_ANONYMOUS_RATE a minute). Stewards, with a token, may
send up to DRIEHOEK_MAX_UPLOAD and are not counted: the SHACL gate is the costliest thing anyone
without a token can make the server do (issue 14 §3)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from flask import current_app, request

from ..errors import PayloadTooLarge, TooManyRequests
from .auth import client_address
from .context import get_settings

WINDOW_SECONDS = 60.0


class DryRunLimiter:
    """Dry runs per client address in a sliding window (in memory, per server process): past `limit`
    in `window` seconds, 429 with Retry-After until the oldest leaves the window."""

    SWEEP_AT = 10_000  # addresses remembered before those quiet for a window are forgotten

    def __init__(self, limit: int, window: float = WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._runs: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, client: str) -> None:
        """Count one dry run of `client`; TooManyRequests (and nothing counted) past the limit."""
        now = time.monotonic()
        with self._lock:
            if len(self._runs) >= self.SWEEP_AT:
                self._runs = {c: r for c, r in self._runs.items() if r and r[-1] > now - self.window}
            runs = self._runs.setdefault(client, deque())
            while runs and runs[0] <= now - self.window:
                runs.popleft()
            if len(runs) >= self.limit:
                retry_after = max(1, math.ceil(runs[0] + self.window - now)) if runs else math.ceil(self.window)
                raise TooManyRequests(
                    f"too many anonymous dry runs from this address (at most {self.limit} a minute, "
                    f"DRIEHOEK_VALIDATE_ANONYMOUS_RATE); try again in {retry_after} s, or send a steward's token",
                    retry_after=retry_after)
            runs.append(now)



def admit_anonymous() -> None:
    """Before an anonymous dry run reads its body: 429 past the rate, 413 past the size its
    Content-Length announces."""
    limiter = current_app.extensions.get("driehoek.dry_runs")
    if limiter is None:
        limiter = current_app.extensions.setdefault("driehoek.dry_runs",
                                                    DryRunLimiter(get_settings().validate_anonymous_rate))
    limiter.admit(client_address())
    if request.content_length is not None:
        check_anonymous_size(request.content_length)


def check_anonymous_size(size: int) -> None:
    """413 when an anonymous dry run's body is over DRIEHOEK_VALIDATE_ANONYMOUS_MAX bytes."""
    settings = get_settings()
    if size > settings.validate_anonymous_max:
        raise PayloadTooLarge(
            f"an anonymous dry run may send at most {settings.validate_anonymous_max} bytes "
            f"(DRIEHOEK_VALIDATE_ANONYMOUS_MAX); this one has {size}. Stewards, with a token, may send up to "
            f"{settings.max_upload} bytes (DRIEHOEK_MAX_UPLOAD)", limit=settings.validate_anonymous_max)
