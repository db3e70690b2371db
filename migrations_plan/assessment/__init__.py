"""Assessment: a 7R strategy from data-driven rules, performance-based sizing and a priced Azure target per system.

Pure planning code (no Prefect, database or network): `assess(systems, catalog=..., settings=...)` is the
entry point; the price catalog is a port (`CatalogPort`), satisfied by `migrations_plan.pricing.PriceCatalog`.
"""

from migrations_plan.assessment.assess import NO_OVERRIDES, OVERRIDE_RULE_ID, assess
from migrations_plan.assessment.facts import FACT_NAMES, build_facts
from migrations_plan.assessment.lifecycle import (
    LifecycleEntry,
    SupportStatus,
    lookup_database,
    lookup_os,
    support_status,
)
from migrations_plan.assessment.model import (
    AssessInput,
    Assessment,
    AssessmentError,
    AssessmentResult,
    DiskLoad,
    Override,
    SizingBasis,
    Target,
    TargetDisk,
    TargetService,
)
from migrations_plan.assessment.ports import CatalogPort
from migrations_plan.assessment.rules import Decision, Rule, RuleSet, RuleTarget, default_rules, load_rules, parse_rules
from migrations_plan.assessment.series import AZURE_MIGRATE_SERIES, DEFAULT_VM_SERIES
from migrations_plan.assessment.settings import (
    OPTION_KEYS,
    PERCENTILES,
    AssessSettings,
    SizingCriterion,
    option_key,
    parse_savings_option,
)
from migrations_plan.assessment.sizing import Requirement, requirement
from migrations_plan.assessment.vm import series_of

__all__ = [
    "AZURE_MIGRATE_SERIES",
    "DEFAULT_VM_SERIES",
    "FACT_NAMES",
    "NO_OVERRIDES",
    "OPTION_KEYS",
    "OVERRIDE_RULE_ID",
    "PERCENTILES",
    "AssessInput",
    "AssessSettings",
    "Assessment",
    "AssessmentError",
    "AssessmentResult",
    "CatalogPort",
    "Decision",
    "DiskLoad",
    "LifecycleEntry",
    "Override",
    "Requirement",
    "Rule",
    "RuleSet",
    "RuleTarget",
    "SizingBasis",
    "SizingCriterion",
    "SupportStatus",
    "Target",
    "TargetDisk",
    "TargetService",
    "assess",
    "build_facts",
    "default_rules",
    "load_rules",
    "lookup_database",
    "lookup_os",
    "option_key",
    "parse_rules",
    "parse_savings_option",
    "requirement",
    "series_of",
    "support_status",
]
