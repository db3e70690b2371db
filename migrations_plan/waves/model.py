"""What wave planning produces: move groups, dated waves, and everything it could not do silently.

`WavePlan` is immutable: print it for a dry run, iterate `rows()` for exports, hand it to the flows to apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import NamedTuple

from migrations_plan.strategy_types import Strategy
from migrations_plan.waves.inputs import PlanEdge, PlanningError, PlanSystem, environment_of
from migrations_plan.waves.report import render_plan


class Limit(StrEnum):
    """A wave limit a move group can exceed."""

    MAX_SYSTEMS = "max_systems"
    MAX_TB = "max_tb"


@dataclass(frozen=True, kw_only=True)
class MoveGroup:
    """Systems that migrate together, and why they are together (`reason`)."""

    id: int
    system_ids: tuple[int, ...]
    applications: tuple[str, ...]
    environments: tuple[str, ...]
    storage_gb: float
    monthly_saving: float
    reason: str
    hub: bool = False
    pinned_wave: int | None = None

    @property
    def size(self) -> int:
        return len(self.system_ids)

    @property
    def storage_tb(self) -> float:
        return self.storage_gb / 1000.0


@dataclass(frozen=True, kw_only=True)
class CutSuggestion:
    """A link worth cutting to split an oversized group: all `edges` between the same two sub-clusters.

    `splits` is the two resulting sizes in systems (larger first), or None when this link alone does not split
    the group (then it is only one of its weakest links).
    """

    edges: tuple[PlanEdge, ...]
    weight: int
    splits: tuple[int, int] | None
    reason: str

    @property
    def pairs(self) -> frozenset[tuple[int, int]]:
        """The (source_id, target_id) pairs to pass to `plan_waves(cuts=...)` to apply this suggestion."""
        return frozenset((edge.source_id, edge.target_id) for edge in self.edges)


@dataclass(frozen=True, kw_only=True)
class OversizedGroup:
    """A group larger than a wave limit: it gets a wave to itself; cutting a suggested link would split it."""

    group: MoveGroup
    limits: tuple[Limit, ...]
    cut_suggestions: tuple[CutSuggestion, ...]
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class LosingGroup:
    """A group that loses money over the objective's horizon even if it moved in the first new wave
    (`net_first_wave` < 0), or that never saves (`monthly_saving` <= 0): flagged, never hidden."""

    group_id: int
    net_first_wave: float
    monthly_saving: float
    one_time_cost: float
    advice: str


@dataclass(frozen=True, kw_only=True)
class Wave:
    """One dated wave. `frozen` waves had started and were kept exactly; they list systems but no groups."""

    number: int
    date: dt.date
    name: str
    groups: tuple[MoveGroup, ...]
    systems: tuple[int, ...]
    storage_tb: float
    frozen: bool = False
    pinned: bool = False
    pilot: bool = False


class PlanRow(NamedTuple):
    """One system of the plan as a flat row, for CSV/XLSX exports and table artifacts."""

    wave: int | None
    wave_name: str
    date: dt.date | None
    group_id: int | None
    system_id: int
    system_name: str
    application: str | None
    environment: str
    strategy: str
    storage_gb: float
    monthly_saving: float
    status: str
    pinned: bool
    note: str


@dataclass(frozen=True, kw_only=True, repr=False)
class WavePlan:
    """The whole plan: waves in date order, the move groups, exclusions, and what needs an engineer's eye."""

    waves: tuple[Wave, ...]
    groups: tuple[MoveGroup, ...]
    excluded: Mapping[int, str]
    oversized: tuple[OversizedGroup, ...]
    cycles: tuple[tuple[int, ...], ...]
    warnings: tuple[str, ...]
    objective: str = "risk-first"
    losing: tuple[LosingGroup, ...] = ()
    # Ids of the groups the pilot wave may hold (low-risk, non-production, nothing to wait for); the quality
    # bound keeps every other group out of the pilot slot, as the planner does.
    pilot_candidates: frozenset[int] = frozenset()
    stats: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), compare=False)
    systems: Mapping[int, PlanSystem] = field(default_factory=lambda: MappingProxyType({}), compare=False)

    @cached_property
    def wave_numbers(self) -> Mapping[int, int]:
        """System id -> wave number, for every system that is in a wave."""
        return MappingProxyType({sid: wave.number for wave in self.waves for sid in wave.systems})

    def wave_of(self, system_id: int) -> int:
        """The wave number of a system; raises `PlanningError` for an excluded or unknown system."""
        try:
            return self.wave_numbers[system_id]
        except KeyError:
            if system_id in self.excluded:
                raise PlanningError(f"system {system_id} is excluded: {self.excluded[system_id]}") from None
            raise PlanningError(f"system {system_id} is not in this plan") from None

    def rows(self) -> Iterator[PlanRow]:
        """Every system once: planned and frozen ones wave by wave, then the excluded ones with their reason."""
        for wave in self.waves:
            if wave.frozen:
                for sid in wave.systems:
                    yield self._row(sid, wave, None, "frozen", "wave had started; kept as it is")
                continue
            for group in wave.groups:
                for sid in group.system_ids:
                    yield self._row(sid, wave, group, "planned", group.reason)
        for sid in sorted(self.excluded):
            yield self._row(sid, None, None, "excluded", self.excluded[sid])

    def _row(self, sid: int, wave: Wave | None, group: MoveGroup | None, status: str, note: str) -> PlanRow:
        system = self.systems.get(sid)
        return PlanRow(
            wave=wave.number if wave else None,
            wave_name=wave.name if wave else "",
            date=wave.date if wave else None,
            group_id=group.id if group else None,
            system_id=sid,
            system_name=system.name if system else "",
            application=system.application if system else None,
            environment=environment_of(system.environment).value if system else "",
            strategy=Strategy(system.strategy).value if system else "",
            storage_gb=system.storage_gb if system else 0.0,
            monthly_saving=system.monthly_saving if system else 0.0,
            status=status,
            pinned=group is not None and group.pinned_wave is not None,
            note=note,
        )

    def __str__(self) -> str:
        return render_plan(self)

    def __repr__(self) -> str:
        return (
            f"WavePlan(waves={len(self.waves)}, groups={len(self.groups)}, excluded={len(self.excluded)}, "
            f"oversized={len(self.oversized)}, cycles={len(self.cycles)}, warnings={len(self.warnings)})"
        )
