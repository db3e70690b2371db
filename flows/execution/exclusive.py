"""One run of a wave at a time: the wave's Prefect concurrency slot, then its database lock, held together.

`exclusive_run` is the only way a wave flow acts on a wave. The wave is looked up first (an unknown wave creates
nothing: no limit, no run row), then the slot is taken (the global concurrency limit `lumen-migrate-wave-N`, limit 1,
created once and read before it is created, so the server never logs a failed insert), then the run row is opened
and the database lock taken for it. Both are leased and renewed: a process killed while holding them frees them when
the lease runs out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from sqlmodel import Session

from flows.execution.runs import LEASE_SECONDS, RunHandle, WaveBusyError, renewed, wave_lock
from inventory.db import session_scope

LIMIT_PREFIX = "lumen-migrate-wave-"


def limit_name(wave_number: int) -> str:
    return f"{LIMIT_PREFIX}{wave_number}"


def _ensure_limit(client: Any, name: str) -> None:
    """The limit, created only when it does not exist yet (creating an existing one is an error in the server's
    log, on every run)."""
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    try:
        client.read_global_concurrency_limit_by_name(name)
        return
    except ObjectNotFound:
        pass
    try:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    except ObjectAlreadyExists:
        pass  # another run created it a moment ago


@contextmanager
def concurrency_slot(wave_number: int) -> Iterator[None]:
    """Hold the wave's global concurrency slot (limit 1) for the block, leased and renewed."""
    from httpx import HTTPStatusError
    from prefect.client.orchestration import get_client

    name = limit_name(wave_number)
    with get_client(sync_client=True) as client:
        _ensure_limit(client, name)
        try:
            response = client.increment_concurrency_slots_with_lease(
                names=[name], slots=1, mode="concurrency", lease_duration=LEASE_SECONDS)
        except HTTPStatusError as e:
            if e.response.status_code == 423:
                raise WaveBusyError(f"wave {wave_number} is already running (its Prefect concurrency limit "
                                    f"{name!r} is taken); wait for that run to finish") from e
            raise
        lease = UUID(response.json()["lease_id"])
    with get_client(sync_client=True) as renewing:
        try:
            with renewed(lambda: renewing.renew_concurrency_lease(lease, lease_duration=LEASE_SECONDS),
                         name=f"wave-{wave_number}-slot"):
                yield
        finally:
            renewing.release_concurrency_slots_with_lease(lease)


@contextmanager
def exclusive_run(wave_number: int, db_url: str, open_run: Callable[[Session], RunHandle]) -> Iterator[RunHandle]:
    """The wave's slot, then its run (`open_run` in one transaction), then its database lock, for the block."""
    with concurrency_slot(wave_number):
        with session_scope(db_url) as session:
            handle = open_run(session)
        with wave_lock(db_url, wave_id=handle.wave_id, wave_number=handle.wave_number, run_id=handle.run_id):
            yield handle
