"""Our assessed estate as the Azure Migrate comparison reads it: one set-based read, nothing written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import Text, cast, select
from sqlmodel import Session

from inventory.tables import Assessment, System, TargetMapping, table_of
from migrations_plan.assessment.model import SizingBasis
from migrations_plan.compare import OurSystem
from migrations_plan.compare.azure_migrate import OUR_OPTION

# Keys of `target_mapping.details` that explain a size, as `assessment_store` writes them: the requirement's
# arithmetic (sizing note) and why that size and not a cheaper one (sizing reason). Read defensively: older rows
# may lack them, and a value that is not text is skipped.
REASON_KEYS = ("sizing_note", "sizing_reason")


def sizing_notes(details: Mapping[str, Any]) -> tuple[str, ...]:
    """The texts explaining a target's size, in REASON_KEYS order, each once."""
    notes: dict[str, None] = {}
    for key in REASON_KEYS:
        value = details.get(key)
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if isinstance(item, str) and item.strip():
                notes.setdefault(item.strip(), None)
    return tuple(notes)


def rejected_sizes(details: Mapping[str, Any]) -> tuple[str, ...]:
    """Sizes the assessment passed over, with why ("Standard_B2s_v2: burstable excluded"), when it stored them."""
    value = details.get("rejected_sizes")
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def load_compared_systems(*, session: Session) -> list[OurSystem]:
    """Every active, assessed system with its target (outer join: retired systems have none)."""
    system, assessment, target = table_of(System), table_of(Assessment), table_of(TargetMapping)
    statement = (
        select(system.c.name, assessment.c.strategy, assessment.c.readiness, assessment.c.sizing_basis,
               target.c.service, target.c.sku, target.c.region, cast(target.c.monthly_cost_by_option, Text),
               cast(target.c.details, Text), system.c.cores, system.c.memory_mb, system.c.cpu_util_pct,
               system.c.memory_util_pct)
        .join(assessment, assessment.c.system_id == system.c.id)
        .outerjoin(target, target.c.system_id == system.c.id)
        .where(system.c.removed_at.is_(None))
        .order_by(system.c.name_key)
    )
    systems = []
    for (name, strategy, readiness, basis, service, sku, region, by_option, details_text, cores, memory_mb, cpu,
         mem) in session.connection().execute(statement):
        prices = orjson.loads(by_option) if by_option else {}
        details = orjson.loads(details_text) if details_text else {}
        if not isinstance(details, dict):
            details = {}
        vcpus = _number(details.get("vcpus"))
        systems.append(OurSystem(
            name=name, strategy=strategy, readiness=readiness, service=service, size=sku,
            vcpus=int(vcpus) if vcpus is not None else None, memory_gib=_number(details.get("memory_gib")),
            monthly_usd=_number(prices.get(OUR_OPTION)) if isinstance(prices, dict) else None, region=region,
            sizing_basis=SizingBasis(basis) if basis else None, sizing_notes=sizing_notes(details),
            rejected_sizes=rejected_sizes(details),
            source_cores=cores, source_memory_mb=memory_mb,
            cpu_util_pct=cpu, memory_util_pct=mem,
        ))
    return systems
