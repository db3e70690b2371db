"""The cost assumptions behind every default figure of the savings model, each with its unit and its source.

Values live in `default_assumptions.yaml` (shipped) and can be overridden from a user YAML/CSV file or from the
`cost_assumption` table. The flat form, `(key, value, unit, source)` rows with dotted keys for grouped values
(`licence_os_per_core_year.windows`), is what the table stores and what reports print.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from migrations_plan.strategy_types import Strategy

NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]

DEFAULT_ASSUMPTIONS_FILE = Path(__file__).with_name("default_assumptions.yaml")

# Grouped assumptions: a mapping of sub-keys, written `group.subkey` in flat form.
GROUPS: tuple[str, ...] = ("licence_os_per_core_year", "licence_db_per_core_year", "migration_labour_per_system")
# The sub-key every licence group must have: used for an OS family or DB engine the group does not name.
FALLBACK_KEY = "other"

UNITS: Mapping[str, str] = {
    "hardware_per_core_year": "USD per core-year",
    "storage_per_gb_year": "USD per GB-year",
    "facilities_per_server_year": "USD per server-year",
    "facilities_per_core_year": "USD per core-year",
    "labour_per_server_year": "USD per server-year",
    "network_share": "share of the hardware line",
    "licence_os_per_core_year": "USD per core-year",
    "licence_db_per_core_year": "USD per core-year",
    "migration_labour_per_system": "USD per system",
    "data_transfer_per_gb": "USD per GB",
    "dual_running_months": "months",
    "discount_rate": "share per year",
    "hours_per_month": "hours",
    "ahb_licence_retained_share": "share of the licences line",
    "assumed_cores_when_unknown": "cores",
    "assumed_storage_gb_when_unknown": "GB",
}
WHOLE_NUMBER_KEYS: frozenset[str] = frozenset({"dual_running_months", "assumed_cores_when_unknown"})
SHARE_KEYS: frozenset[str] = frozenset({"network_share", "discount_rate", "ahb_licence_retained_share"})


class CostAssumptions(BaseModel):
    """Every number the model uses when the inventory does not know a cost, plus timing and discounting.

    `sources` maps each flat key (see `assumption_rows`) to the text saying where its value comes from.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    hardware_per_core_year: NonNeg
    storage_per_gb_year: NonNeg
    facilities_per_server_year: NonNeg
    facilities_per_core_year: NonNeg
    labour_per_server_year: NonNeg
    network_share: Share
    licence_os_per_core_year: dict[str, NonNeg]
    licence_db_per_core_year: dict[str, NonNeg]
    migration_labour_per_system: dict[Strategy, NonNeg]
    data_transfer_per_gb: NonNeg
    dual_running_months: int = Field(ge=0, le=120)
    discount_rate: Share
    hours_per_month: float = Field(gt=0, le=744)
    ahb_licence_retained_share: Share
    assumed_cores_when_unknown: int = Field(ge=0)
    assumed_storage_gb_when_unknown: NonNeg
    sources: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> CostAssumptions:
        for group in ("licence_os_per_core_year", "licence_db_per_core_year"):
            if FALLBACK_KEY not in getattr(self, group):
                raise ValueError(f"{group} needs an {FALLBACK_KEY!r} entry (used for names it does not list)")
        missing = [s.value for s in Strategy if s not in self.migration_labour_per_system]
        if missing:
            raise ValueError(f"migration_labour_per_system lacks {', '.join(missing)}")
        return self

    def os_licence(self, os_family: str) -> float:
        """Licence cost per core-year for an OS family; the `other` entry for families not listed."""
        table = self.licence_os_per_core_year
        return table.get(os_family, table[FALLBACK_KEY])

    def db_licence(self, engine_key: str) -> float:
        """Licence cost per core-year for a normalised DB engine key; `other` for engines not listed."""
        table = self.licence_db_per_core_year
        return table.get(engine_key, table[FALLBACK_KEY])

    def source(self, key: str) -> str:
        """Where the value of a flat key comes from ("" when nobody said)."""
        return self.sources.get(key, "")


@dataclass(frozen=True, slots=True)
class AssumptionRow:
    """One assumption in flat form: what the `cost_assumption` table stores and reports list."""

    key: str
    value: float
    unit: str
    source: str


def unit_of(key: str) -> str:
    """The unit of a flat key (`licence_os_per_core_year.windows` has its group's unit)."""
    return UNITS[key.split(".", 1)[0]]


def assumption_rows(assumptions: CostAssumptions) -> tuple[AssumptionRow, ...]:
    """Every assumption as a (key, value, unit, source) row, in a stable order (the YAML's order)."""
    rows: list[AssumptionRow] = []
    for key in UNITS:
        value = getattr(assumptions, key)
        if key in GROUPS:
            for sub, sub_value in value.items():
                flat = f"{key}.{sub}"
                rows.append(AssumptionRow(flat, float(sub_value), unit_of(flat), assumptions.source(flat)))
        else:
            rows.append(AssumptionRow(key, float(value), UNITS[key], assumptions.source(key)))
    return tuple(rows)


def nest(values: Mapping[str, float]) -> dict[str, object]:
    """Flat `group.sub` keys to the nested shape `CostAssumptions` takes (no validation here)."""
    nested: dict[str, object] = {}
    for key, value in values.items():
        group, _, sub = key.partition(".")
        if sub:
            bucket = nested.setdefault(group, {})
            assert isinstance(bucket, dict)
            bucket[sub] = value
        else:
            nested[key] = int(value) if key in WHOLE_NUMBER_KEYS else value
    return nested


def assumptions_from_rows(rows: Iterable[AssumptionRow]) -> CostAssumptions:
    """Rebuild assumptions from complete flat rows (e.g. read back from the `cost_assumption` table).

    Raises pydantic's ValidationError when a row is missing or out of range: the table is ours, so a bad row
    there is a bug, not user input. User files go through `load_assumptions`, which names file:row:key.
    """
    rows = tuple(rows)
    data = nest({row.key: row.value for row in rows})
    data["sources"] = {row.key: row.source for row in rows}
    return CostAssumptions.model_validate(data)


@cache
def default_assumptions() -> CostAssumptions:
    """The shipped defaults (read once, on first use, from `default_assumptions.yaml`)."""
    from migrations_plan.savings.assumptions_io import load_assumptions_file

    return load_assumptions_file(DEFAULT_ASSUMPTIONS_FILE, base=None)
