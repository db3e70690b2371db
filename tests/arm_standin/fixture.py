"""pytest fixtures: `arm_standin`, one stand-in server per session, and `arm`, the same server reset per test.

Loaded from the top-level conftest (`pytest_plugins = ["tests.arm_standin.fixture"]`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.arm_standin.server import ArmStandIn


@pytest.fixture(scope="session")
def arm_standin() -> Iterator[ArmStandIn]:
    """The running stand-in; state carries over between tests, so prefer `arm`."""
    with ArmStandIn() as standin:
        yield standin


@pytest.fixture
def arm(arm_standin: ArmStandIn) -> ArmStandIn:
    """The session's stand-in, emptied (no groups, resources, deployments, faults or logged requests)."""
    arm_standin.reset()
    return arm_standin
