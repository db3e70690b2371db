"""pytest fixtures: `arm_standin`, one stand-in server per session, and `arm`, the same server reset per test.

Loaded from the top-level conftest (`pytest_plugins = ["tests.arm_standin.fixture"]`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tests.arm_standin.server import ArmStandIn


@pytest.fixture(scope="session")
def arm_standin() -> Iterator[ArmStandIn]:
    """The running stand-in; state carries over between tests, so prefer `arm`."""
    with ArmStandIn() as standin:
        yield standin


@pytest.fixture
def arm(arm_standin: ArmStandIn) -> Iterator[ArmStandIn]:
    """The session's stand-in, emptied (no groups, resources, deployments, faults or logged requests).

    After the test, a collection: a connection the test left open (an unclosed socket, an error under
    `filterwarnings = error`) is reported by that test, not by whichever later test the collector happens to run in.
    """
    arm_standin.reset()
    yield arm_standin
    gc.collect()
