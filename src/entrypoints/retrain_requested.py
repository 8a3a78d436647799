"""`tradeai retrain --if-requested`: run the retraining only when the bot recorded a request
(/retrain), and close that request with what came of it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from application.bot.pickup import RetrainResult, run_requested
from application.bot.ports import RetrainRequest
from domain.security.redaction import mask_url
from entrypoints.container import Container
from entrypoints.retrain_run import RoleOutcome
from entrypoints.store_wait import store_error


def _wall() -> datetime:
    return datetime.now(UTC)


def summary(outcomes: list[RoleOutcome], dry_run: bool) -> str:
    """One line per role, as the bot shows it: promoted, or the first reason it was not."""
    def line(o: RoleOutcome) -> str:
        if o.promoted:
            return f"{o.role} promoted as {o.tag}"
        why = o.failures[0] if o.failures else "no gate failure recorded"
        return f"{o.role} {'dry run' if dry_run else 'not promoted'}: {why}"

    return "; ".join(line(o) for o in outcomes) or "no role retrained"


def retrain_if_requested(root: Container, work: Callable[[], list[RoleOutcome]],
                         dry_run: bool) -> tuple[RetrainRequest, list[RoleOutcome]] | None:
    """None when no request is pending; RuntimeError (exit 1) when the requests cannot be read."""
    try:
        requests = root.store().retrain_requests()
        requests.pending()
    except Exception as exc:  # the database is down or the URL is wrong
        raise RuntimeError(f"cannot read the retrain requests at {mask_url(root.settings().store.url)}: "
                           f"{store_error(exc)}") from None
    done: list[list[RoleOutcome]] = []

    def run(_: RetrainRequest) -> RetrainResult:
        done.append(work())
        return RetrainResult(dry_run or any(o.promoted for o in done[0]), summary(done[0], dry_run))

    picked = run_requested(requests, run, _wall)
    return None if picked is None else (picked[0], done[0])
