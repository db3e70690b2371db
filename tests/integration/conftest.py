"""Fixtures of the integration tests shared by more than one module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from inventory.db import session_scope
from inventory.tables import Wave
from tests.integration.test_plan_flow import build_estate, plan


@pytest.fixture
def wave(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    """A planned estate; yields the database URL and the number of its largest wave."""
    build_estate(sqlite_url, monkeypatch)
    plan(pilot_max_systems=0)
    with session_scope(sqlite_url) as session:
        number = max(session.scalars(select(Wave)), key=lambda w: w.systems).number
    yield sqlite_url, number
