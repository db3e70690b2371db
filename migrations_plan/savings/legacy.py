"""A system's legacy run rate: each annual cost line from the inventory when known, from assumptions otherwise.

Default formulas (annual USD; `cores`/`GB` fall back to the `assumed_*_when_unknown` assumptions):
  hardware   = cores x hardware_per_core_year + storage GB x storage_per_gb_year
  licences   = cores x (OS licence per core-year + DB engine licence per core-year, if a DB engine is named)
  facilities = facilities_per_server_year + cores x facilities_per_core_year
  labour     = labour_per_server_year
  network    = network_share x the hardware line (whether that line came from the inventory or a default)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from inventory.records import COST_LINE_NAMES
from migrations_plan.savings.assumptions import CostAssumptions
from migrations_plan.savings.inputs import SavingsSystem
from migrations_plan.savings.legacy_keys import db_engine_key, os_family_key

HARDWARE, LICENCES, FACILITIES, LABOUR, NETWORK = range(5)
assert COST_LINE_NAMES == ("hardware", "licences", "facilities", "labour", "network")


@dataclass(frozen=True, slots=True)
class LegacyLine:
    """One annual cost line and where it came from: the inventory, or a default computed as `basis` says."""

    name: str
    annual: float
    from_inventory: bool
    basis: str


@dataclass(frozen=True, slots=True)
class LegacyCost:
    """A system's legacy run rate, line by line."""

    lines: tuple[LegacyLine, ...]

    @property
    def annual(self) -> float:
        return sum(line.annual for line in self.lines)

    @property
    def monthly(self) -> float:
        return self.annual / 12

    @property
    def default_lines(self) -> tuple[str, ...]:
        """Names of the lines that came from assumptions, not the inventory."""
        return tuple(line.name for line in self.lines if not line.from_inventory)

    def line(self, name: str) -> LegacyLine:
        for line in self.lines:
            if line.name == name:
                return line
        raise KeyError(name)


class LegacyFigures(NamedTuple):
    """The numbers behind `LegacyCost`, without the explanation text (the fast path for large estates).

    A NamedTuple, like `SystemResult`: one is built per system, and it builds several times faster than a
    frozen dataclass.
    """

    lines: tuple[float, float, float, float, float]
    default_mask: int  # bit i set = line COST_LINE_NAMES[i] came from assumptions
    size_assumed: bool  # an unknown core count or storage size was replaced by an assumption

    @property
    def annual(self) -> float:
        return sum(self.lines)


def licence_rate(os_family: str, db_engine: str | None, assumptions: CostAssumptions) -> float:
    """Default licence cost per core-year: the OS family's rate plus the DB engine's, if any."""
    rate = assumptions.os_licence(os_family_key(os_family))
    if db_engine:
        rate += assumptions.db_licence(db_engine_key(db_engine))
    return rate


class LegacyFacts(Protocol):
    """What the legacy cost lines are computed from (a SavingsSystem, or any row carrying the same facts)."""

    @property
    def cost_lines(self) -> Mapping[str, float | None]: ...
    @property
    def cores(self) -> int | None: ...
    @property
    def storage_gb(self) -> float | None: ...
    @property
    def os_family(self) -> str: ...
    @property
    def db_engine(self) -> str | None: ...


def legacy_figures(system: LegacyFacts, assumptions: CostAssumptions, *,
                   licence_rate_per_core: float | None = None) -> LegacyFigures:
    """Annual legacy cost lines of a system (see the module docstring for the default formulas).

    `licence_rate_per_core` saves recomputing `licence_rate` when the caller already knows it."""
    known = system.cost_lines
    hardware, licences, facilities = known.get("hardware"), known.get("licences"), known.get("facilities")
    labour, network = known.get("labour"), known.get("network")
    mask = 0
    size_assumed = False
    cores = float(system.cores if system.cores is not None else assumptions.assumed_cores_when_unknown)
    if hardware is None:
        storage = system.storage_gb if system.storage_gb is not None else assumptions.assumed_storage_gb_when_unknown
        hardware = cores * assumptions.hardware_per_core_year + storage * assumptions.storage_per_gb_year
        size_assumed |= system.cores is None or system.storage_gb is None
        mask |= 1 << HARDWARE
    if licences is None:
        if licence_rate_per_core is None:
            licence_rate_per_core = licence_rate(system.os_family, system.db_engine, assumptions)
        licences = cores * licence_rate_per_core
        size_assumed |= system.cores is None
        mask |= 1 << LICENCES
    if facilities is None:
        facilities = assumptions.facilities_per_server_year + cores * assumptions.facilities_per_core_year
        size_assumed |= system.cores is None
        mask |= 1 << FACILITIES
    if labour is None:
        labour = assumptions.labour_per_server_year
        mask |= 1 << LABOUR
    if network is None:
        network = assumptions.network_share * hardware
        mask |= 1 << NETWORK
    return LegacyFigures((hardware, licences, facilities, labour, network), mask, size_assumed)


def legacy_run_rate(system: SavingsSystem, assumptions: CostAssumptions) -> LegacyCost:
    """A system's annual legacy cost lines, each saying whether it is an inventory fact or a default, and how
    the default was computed."""
    figures = legacy_figures(system, assumptions)
    bases = _bases(system, assumptions)
    return LegacyCost(tuple(
        LegacyLine(name, figures.lines[i], not figures.default_mask & (1 << i),
                   bases[i] if figures.default_mask & (1 << i) else "inventory")
        for i, name in enumerate(COST_LINE_NAMES)
    ))


def _bases(system: SavingsSystem, a: CostAssumptions) -> tuple[str, str, str, str, str]:
    """The default formula of each line with this system's numbers, for people checking a figure."""
    cores = f"{system.cores} cores" if system.cores is not None else \
        f"{a.assumed_cores_when_unknown} cores (assumed: unknown)"
    storage = f"{system.storage_gb:g} GB" if system.storage_gb is not None else \
        f"{a.assumed_storage_gb_when_unknown:g} GB (assumed: unknown)"
    os_key = os_family_key(system.os_family)
    licence = f"{cores} x ({os_key} {a.os_licence(os_key):g}"
    if system.db_engine:
        db_key = db_engine_key(system.db_engine)
        licence += f" + {db_key} {a.db_licence(db_key):g}"
    hardware_source = "inventory" if system.cost_lines.get("hardware") is not None else "default"
    return (
        f"{cores} x {a.hardware_per_core_year:g} + {storage} x {a.storage_per_gb_year:g} USD/year",
        licence + ") USD/year",
        f"{a.facilities_per_server_year:g} + {cores} x {a.facilities_per_core_year:g} USD/year",
        f"{a.labour_per_server_year:g} USD per server-year",
        f"{a.network_share:g} x hardware line ({hardware_source})",
    )
