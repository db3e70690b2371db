"""Wave planning: dependency-aware move groups packed into dated waves under capacity limits.

Pure code over frozen dataclasses: no Prefect, no database. Entry point: `plan_waves`. See docs/waves.md.
"""

from migrations_plan.waves.inputs import (
    DEFAULT_HUB_NAME_PATTERNS,
    DEFAULT_HUB_PORTS,
    DEFAULT_HUB_WORKLOAD_TYPES,
    DEFAULT_HUBS,
    FrozenWave,
    HubPolicy,
    Objective,
    PlanEdge,
    PlanningError,
    PlanSystem,
    WavePolicy,
)
from migrations_plan.waves.model import (
    CutSuggestion,
    Limit,
    LosingGroup,
    MoveGroup,
    OversizedGroup,
    PlanRow,
    Wave,
    WavePlan,
)
from migrations_plan.waves.planner import EXCLUSION_REASONS, plan_orders, plan_waves

__all__ = [
    "DEFAULT_HUBS",
    "DEFAULT_HUB_NAME_PATTERNS",
    "DEFAULT_HUB_PORTS",
    "DEFAULT_HUB_WORKLOAD_TYPES",
    "EXCLUSION_REASONS",
    "CutSuggestion",
    "FrozenWave",
    "HubPolicy",
    "Limit",
    "LosingGroup",
    "MoveGroup",
    "Objective",
    "OversizedGroup",
    "PlanEdge",
    "PlanRow",
    "PlanSystem",
    "PlanningError",
    "Wave",
    "WavePlan",
    "WavePolicy",
    "plan_orders",
    "plan_waves",
]
