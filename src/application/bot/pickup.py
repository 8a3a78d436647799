"""Use case: run the oldest pending retrain request, once (``tradeai retrain --if-requested``).

The request is claimed before the work starts (pending -> running), so a second job started
meanwhile finds nothing to do; it is closed as done or failed with what came of it, also when the
work raised (the error is recorded, then raised again)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from application.bot.ports import RetrainRequest, RetrainRequests
from domain.security.redaction import mask_urls_in

_MAX_RESULT = 500


@attrs.frozen
class RetrainResult:
    succeeded: bool
    summary: str


def run_requested(requests: RetrainRequests, run: Callable[[RetrainRequest], RetrainResult],
                  clock: Callable[[], datetime]) -> tuple[RetrainRequest, RetrainResult] | None:
    """None when no request is pending (nothing was run)."""
    request = requests.claim(clock())
    if request is None:
        return None
    try:
        result = run(request)
    except BaseException as exc:  # Ctrl-C included: the request must not stay "running" for ever
        requests.finish(request.request_id, False, _short(f"{type(exc).__name__}: {exc}"), clock())
        raise
    requests.finish(request.request_id, result.succeeded, _short(result.summary), clock())
    return request, result


def _short(text: str) -> str:
    text = mask_urls_in(text)
    return text if len(text) <= _MAX_RESULT else text[: _MAX_RESULT - 3] + "..."
