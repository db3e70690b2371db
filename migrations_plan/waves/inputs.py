"""What wave planning reads: systems, dependencies, hub and wave policies, waves already started.

All inputs are frozen dataclasses. Policies check themselves when built and raise `PlanningError`, so a bad
limit is reported where it was written, not deep inside the planner.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType

from inventory.errors import LumenError
from inventory.records import Criticality, Environment, normalise_environment
from migrations_plan.strategy_types import Strategy


class PlanningError(LumenError, ValueError):
    """The planning input or policy is inconsistent; the message says what and what was expected."""


def _no_tags() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, kw_only=True)
class PlanSystem:
    """One assessed system as wave planning sees it.

    `monthly_saving` is legacy monthly cost minus Azure monthly cost (negative when Azure costs more);
    `pinned_wave` is an engineer's decision that this system (and so its whole move group) goes in that wave.
    The cash objectives also read `azure_monthly` (the target's monthly run rate, so legacy = saving + Azure) and
    `one_time_cost` (migration labour and data transfer), as the savings model computes them.
    """

    id: int
    name: str
    environment: str
    criticality: str | None = None
    application: str | None = None
    business_unit: str | None = None
    strategy: Strategy
    storage_gb: float = 0.0
    monthly_saving: float = 0.0
    workload_type: str | None = None
    tags: Mapping[str, str] = field(default_factory=_no_tags, hash=False)
    pinned_wave: int | None = None
    azure_monthly: float = 0.0
    one_time_cost: float = 0.0


@dataclass(frozen=True)
class PlanEdge:
    """A dependency: `source_id` (the consumer, the client) connects to `target_id` (the producer, the server).

    `weight` is how many times the connection was observed; few observations make a weak link.
    """

    source_id: int
    target_id: int
    _: KW_ONLY
    port: int | None = None
    protocol: str | None = None
    weight: int = 1


# DNS, Kerberos, NTP, SNMP, LDAP(S), kpasswd, syslog, AD global catalog, Nagios NRPE, node exporter,
# Splunk forwarder, NetBackup, Backup Exec/NDMP, Zabbix agent/server: services nearly every system talks to.
DEFAULT_HUB_PORTS: frozenset[int] = frozenset(
    {53, 88, 123, 161, 162, 389, 464, 514, 636, 1556, 3268, 3269, 5666, 6514, 9100, 9997, 10000, 10050, 10051}
)
DEFAULT_HUB_NAME_PATTERNS: tuple[str, ...] = (
    r"dns",
    r"(^|[^a-z])(ad|dc)[-_.]?\d*([^a-z]|$)",
    r"ldap",
    r"ntp",
    r"syslog",
    r"backup",
    r"monitor",
    r"nagios",
    r"zabbix",
)
DEFAULT_HUB_WORKLOAD_TYPES: frozenset[str] = frozenset(
    {"dns", "active_directory", "domain_controller", "directory", "ntp", "syslog", "logging", "monitoring",
     "backup"}
)


@dataclass(frozen=True, kw_only=True)
class HubPolicy:
    """Which shared-infrastructure links must not glue the estate into one move group.

    A system is a hub when its name matches a pattern (case-insensitive search), its workload type is listed, or
    it carries one of the tags (value compared case-insensitively). A dependency is a hub dependency when its
    port is a hub port or either end is a hub system: it neither joins groups nor orders them.
    """

    ports: frozenset[int] = DEFAULT_HUB_PORTS
    name_patterns: tuple[str, ...] = DEFAULT_HUB_NAME_PATTERNS
    tags: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({"role": "infrastructure"}), hash=False
    )
    workload_types: frozenset[str] = DEFAULT_HUB_WORKLOAD_TYPES
    _name_re: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _tag_values: Mapping[str, str] = field(init=False, repr=False, compare=False, hash=False)
    _workloads: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            pattern = re.compile("|".join(f"(?:{p})" for p in self.name_patterns), re.IGNORECASE)
        except re.error as e:
            raise PlanningError(f"hub name pattern is not a valid regular expression: {e}") from e
        object.__setattr__(self, "_name_re", pattern if self.name_patterns else None)
        object.__setattr__(self, "_tag_values", {k: v.casefold() for k, v in self.tags.items()})
        object.__setattr__(self, "_workloads", frozenset(w.casefold() for w in self.workload_types))

    @classmethod
    def disabled(cls) -> HubPolicy:
        """No hubs at all: every dependency joins groups."""
        return cls(ports=frozenset(), name_patterns=(), tags=MappingProxyType({}), workload_types=frozenset())

    def is_hub_port(self, port: int | None) -> bool:
        return port is not None and port in self.ports

    def is_hub_system(self, system: PlanSystem) -> bool:
        if self._name_re is not None and self._name_re.search(system.name):
            return True
        if system.workload_type and system.workload_type.casefold() in self._workloads:
            return True
        return any(system.tags.get(key, "").casefold() == value for key, value in self._tag_values.items())


DEFAULT_HUBS = HubPolicy()

# Order in which environments move: rehearse on the copies first, production after.
ENVIRONMENT_RANK: Mapping[Environment, int] = MappingProxyType({
    Environment.DEVELOPMENT: 0,
    Environment.TEST: 1,
    Environment.STAGING: 2,
    Environment.DR: 3,
    Environment.PRODUCTION: 4,
    Environment.UNKNOWN: 5,
})
# Unknown criticality sits between low and medium: it may join the pilot but moves after known-low systems.
RISK_RANK: Mapping[str | None, int] = MappingProxyType({
    Criticality.LOW.value: 0,
    None: 1,
    Criticality.MEDIUM.value: 2,
    Criticality.HIGH.value: 3,
    Criticality.CRITICAL.value: 4,
})


class Objective(StrEnum):
    """What the order of the move groups optimises (see docs/waves.md, "The objective").

    CASH_12M / CASH_36M: the net cash flow over the first 12 / 36 months of the projection; RISK_FIRST: the
    tiers of old (environment, then risk, then saving per system); ALPHABETICAL: by name, the naive baseline the
    plan's quality is measured against.
    """

    CASH_12M = "cash-12m"
    CASH_36M = "cash-36m"
    RISK_FIRST = "risk-first"
    ALPHABETICAL = "alphabetical"

    @property
    def horizon_months(self) -> int:
        """The horizon the cash objectives value over (12 for the others, the report's default)."""
        return 36 if self is Objective.CASH_36M else 12

    @property
    def is_cash(self) -> bool:
        return self in (Objective.CASH_12M, Objective.CASH_36M)


@lru_cache(maxsize=1024)
def environment_of(text: str) -> Environment:
    """Our environment for a system's free-text environment ("prod", "UAT", "production"...)."""
    try:
        return Environment(text)
    except ValueError:
        return normalise_environment(text)


@dataclass(frozen=True)
class FrozenWave:
    """A wave that has started: kept exactly as it is by re-planning."""

    number: int
    date: dt.date
    system_ids: frozenset[int]


@dataclass(frozen=True, kw_only=True)
class WavePolicy:
    """Limits and calendar of the waves.

    Waves are planned every `cadence_days` from `start`; a wave whose planned date is a blackout date moves to the
    next allowed day, and the cadence continues from the planned dates. `max_tb` is decimal (1 TB = 1000 GB).
    Dependencies observed fewer than `min_join_weight` times are weak: they order groups but do not join them.

    `objective` decides the order (see `Objective`); the cash objectives value a move from `cash_start` (the first
    month of the projection; default: the month of `start`) with `dual_running_months` of both costs after it.
    Risk as constraints: no production system before wave `no_production_before`, at most
    `max_production_per_wave` production systems in a wave (a group with more gets a wave without other production).
    """

    start: dt.date
    max_systems: int = 50
    max_tb: float = 20.0
    cadence_days: int = 14
    blackout_dates: frozenset[dt.date] = frozenset()
    pilot_max_systems: int = 10
    pilot_environments: frozenset[str] = frozenset({Environment.DEVELOPMENT.value, Environment.TEST.value})
    prod_allowed_in_pilot: bool = False
    min_join_weight: int = 1
    objective: Objective = Objective.CASH_12M
    cash_start: dt.date | None = None
    dual_running_months: int = 1
    no_production_before: int | None = None
    max_production_per_wave: int | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.max_systems < 1:
            problems.append(f"max_systems must be at least 1, got {self.max_systems}")
        if not self.max_tb > 0:
            problems.append(f"max_tb must be a positive number of terabytes, got {self.max_tb}")
        if self.cadence_days < 1:
            problems.append(f"cadence_days must be at least 1, got {self.cadence_days}")
        if self.pilot_max_systems < 0:
            problems.append(f"pilot_max_systems must be 0 (no pilot) or more, got {self.pilot_max_systems}")
        if self.min_join_weight < 1:
            problems.append(f"min_join_weight must be at least 1, got {self.min_join_weight}")
        if self.dual_running_months < 0:
            problems.append(f"dual_running_months must be 0 or more, got {self.dual_running_months}")
        if self.no_production_before is not None and self.no_production_before < 0:
            problems.append(f"no_production_before must be a wave number >= 0, got {self.no_production_before}")
        if self.max_production_per_wave is not None and self.max_production_per_wave < 1:
            problems.append(f"max_production_per_wave must be at least 1, got {self.max_production_per_wave}")
        try:
            object.__setattr__(self, "objective", Objective(self.objective))
        except ValueError:
            problems.append(f"unknown objective {self.objective!r}, expected one of "
                            f"{', '.join(o.value for o in Objective)}")
        envs = {environment_of(text) for text in self.pilot_environments}
        if Environment.UNKNOWN in envs:
            problems.append(f"pilot_environments has an unknown environment: {sorted(self.pilot_environments)}")
        if Environment.PRODUCTION in envs and not self.prod_allowed_in_pilot:
            problems.append("pilot_environments includes production but prod_allowed_in_pilot is False")
        if problems:
            raise PlanningError("wave policy: " + "; ".join(problems))
        object.__setattr__(self, "pilot_environments", frozenset(env.value for env in envs))

    @property
    def max_gb(self) -> float:
        return self.max_tb * 1000.0

    @property
    def horizon_start(self) -> dt.date:
        """The first month the cash objectives count (the projection's start month)."""
        return (self.cash_start or self.start).replace(day=1)
