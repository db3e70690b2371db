"""The parameters of every flow: what the Prefect UI renders as forms and what the CLI checks before Prefect starts.

No Prefect here: a command validates its options against these models first, so bad input is answered in a
fraction of a second instead of after the temporary server's start.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from pydantic import BaseModel, Field, field_validator, model_validator

from flows.report_choices import REPORT_CURRENCY_CODES, ReportCurrency, ReportFormat, ReportScenario
from flows.reports.naming import file_name_problem
from inventory.records import Environment
from migrations_plan.assessment.settings import (
    MAX_PERFORMANCE_HISTORY_DAYS,
    PERCENTILES,
    SizingCriterion,
    discount_problem,
)
from migrations_plan.pricing import DEFAULT_REGION, PricingOption
from migrations_plan.savings.scenarios import SCENARIOS
from migrations_plan.strategy_types import Strategy

REPORT_FORMATS: tuple[str, ...] = get_args(ReportFormat)


class AssessParameters(BaseModel):
    """What the Prefect UI form and the CLI offer for an assessment run: Azure Migrate's assessment settings
    (docs/assessment.md, "Our settings beside Azure Migrate's"), the rules, and overrides."""

    region: str = Field(default=DEFAULT_REGION, description="Target location: the Azure region to size and price in.")
    sizing: SizingCriterion = Field(default=SizingCriterion.PERFORMANCE_BASED, description="Sizing criteria: "
                                    "performance-based (utilisation x comfort factor) or as-on-premises (allocated).")
    percentile: int = Field(default=95, description="Percentile utilization: 50, 90, 95 or 99.")
    performance_history_days: int = Field(default=1, ge=1, le=MAX_PERFORMANCE_HISTORY_DAYS,
                                          description="Performance history in days (recorded; the inventory's "
                                          "figures are used as they are).")
    comfort_factor: float = Field(default=1.3, ge=1.0, le=5.0, description="Comfort factor: headroom multiplier "
                                  "on utilisation.")
    series: list[str] = Field(default_factory=list, description="VM series to include (Azure Migrate families such "
                              "as Dsv5, Esv5; empty: Azure Migrate's default list, without burstable B-series).")
    burstable: bool = Field(default=False, description="Also offer burstable B-series (quiet non-production "
                            "systems sized from performance data only).")
    pricing: PricingOption = Field(default=PricingOption.PAYG, description="Savings option: payg, ri1y or ri3y "
                                   "(savings plans are not in the price catalog).")
    ahb: bool = Field(default=False, description="Azure Hybrid Benefit for Windows Server and SQL Server.")
    discount: float = Field(default=0.0, ge=0.0, lt=100.0, description="Discount (%) off pay-as-you-go VM "
                            "compute.")
    default_environment: Environment = Field(default=Environment.PRODUCTION, description="Environment assumed for "
                                             "systems without one (disks and burstable sizes only).")
    currency: str = Field(default="USD", description="Currency: the ISO 4217 code the figures are shown in (prices "
                          "stay USD, converted by the dated rate table; status and the savings report default to "
                          "it).")
    cap_at_allocation: bool = Field(default=False, description="Never size above the allocated cores and memory "
                                    "(Azure Migrate may, through the comfort factor).")
    rules: str | None = Field(default=None, description="Path of a strategy rules YAML (default: the shipped set).")
    overrides: dict[str, Strategy] = Field(default_factory=dict,
                                           description="Engineer overrides to record first: system name -> strategy.")
    override_reason: str = Field(default="", description="Why the overrides are right (required with overrides).")

    @field_validator("percentile")
    @classmethod
    def _known_percentile(cls, value: int) -> int:
        if value not in PERCENTILES:
            raise ValueError(f"expected one of {', '.join(str(p) for p in PERCENTILES)} (Azure Migrate's percentile "
                             f"choices), got {value}")
        return value

    @field_validator("default_environment")
    @classmethod
    def _known_environment(cls, value: Environment) -> Environment:
        if value is Environment.UNKNOWN:
            raise ValueError("expected production, staging, test, development or dr")
        return value

    @model_validator(mode="after")
    def _discount_on_payg(self) -> AssessParameters:
        if problem := discount_problem(self.discount, self.pricing):
            raise ValueError(problem)
        return self


def _in_two_weeks() -> dt.date:
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=14)


class PlanParameters(BaseModel):
    """What the Prefect UI form and the CLI offer for a planning run."""

    max_systems: int = Field(default=50, ge=1, description="Most systems in one wave.")
    max_tb: float = Field(default=20.0, gt=0, description="Most storage (TB) in one wave.")
    start: dt.date = Field(default_factory=_in_two_weeks, description="Date of the first wave.")
    cadence_days: int = Field(default=14, ge=1, description="Days between waves.")
    blackout: list[dt.date] = Field(default_factory=list, description="Dates no wave may run on.")
    pilot_max_systems: int = Field(default=10, ge=0, description="Size of the pilot wave (non-production only).")
    pins: dict[str, int] = Field(default_factory=dict, description="System name -> wave number to pin it to.")
    pin_reason: str = Field(default="", description="Why the pins (recorded with them).")
    freeze: list[int] = Field(default_factory=list, description="Wave numbers to freeze before re-planning.")
    out: list[str] = Field(default_factory=list, description="Plan exports to write (.csv or .xlsx paths).")
    objective: str = Field(default="cash-12m", description="What the order optimises: cash-12m, cash-36m (net cash "
                           "flow over 12 / 36 months from this month) or risk-first (environment and risk tiers).")
    no_production_before: int | None = Field(default=None, ge=0, description="No production system before this wave.")
    max_production_per_wave: int | None = Field(default=None, ge=1, description="Most production systems in a wave.")

    @field_validator("objective")
    @classmethod
    def _known_objective(cls, value: str) -> str:
        allowed = ("cash-12m", "cash-36m", "risk-first")
        if value not in allowed:
            raise ValueError(f"unknown objective {value!r}; expected one of {', '.join(allowed)}")
        return value


def _this_month() -> dt.date:
    return dt.datetime.now(dt.UTC).date().replace(day=1)


class ReportParameters(BaseModel):
    """A savings report for finance: the monthly cash-flow projection, written as files (the Prefect UI form, finance's
    monthly schedule and `lumen-migrate report savings` all fill this in)."""

    months: int = Field(default=12, ge=1, le=120, title="Horizon (months)",
                        description="How many months the projection covers (12 and 36 are usual); the headline is "
                                    "always the first 12.")
    start: dt.date | None = Field(default=None, title="First month (empty: the month of the run)",
                                  description="The month the projection starts in (any day of it). Left empty, the "
                                              "month the report runs in, which is what the monthly schedule wants.")
    scenario: ReportScenario = Field(default=ReportScenario.ASSESSMENT, title="Azure pricing",
                                     description="assessment: the latest assessment's savings option and Azure Hybrid "
                                                 "Benefit (the prices `status` shows). payg = pay-as-you-go, ri1y / "
                                                 "ri3y = 1- / 3-year reserved instances, _ahb = with Azure Hybrid "
                                                 "Benefit.")
    currency: ReportCurrency = Field(default=ReportCurrency.ASSESSMENT, title="Currency of the files",
                                     description="The currency of the files and the headline. assessment: the latest "
                                                 "assessment's currency (USD before any). Amounts are computed in USD "
                                                 "and converted at a dated rate, which the files state.")
    formats: list[ReportFormat] = Field(default=["xlsx", "html"], title="File formats",
                                        description="xlsx: a workbook with charts, one sheet per view; html: one page "
                                                    "to read and print; csv: one file per view; json: the whole "
                                                    "report as data.")
    out_dir: str = Field(default="reports", title="Folder",
                         description="Where the files go. A relative folder is under the files folder of the machine "
                                     "that runs the report (LUMEN_MIGRATE_FILES_DIR, default ~/lumen-migrate-files); "
                                     "an absolute one is used as it is. The run's summary names every file written.")
    name: str = Field(default="savings-{date}-{run}", title="File name",
                      description="Name of the files, without extension: {date} is the day the report runs "
                                  "(YYYY-MM-DD), {run} the run's name, {month} the first month (YYYY-MM). A name "
                                  "already taken gets -2, -3, ... so no file is ever overwritten, unless replacing "
                                  "is asked for.")
    replace: bool = Field(default=False, title="Replace files of the same name",
                          description="Overwrite files already there under the same name instead of adding -2, -3.")
    # Text ("" for none) rather than optional: the form shows an empty field instead of a type switch.
    assumptions: str = Field(default="", title="Cost assumptions file (empty: the documented defaults)",
                             description="A YAML or CSV file on the machine that runs the report, overriding some of "
                                         "the default cost assumptions (docs/savings.md).")
    rates: str = Field(default="", title="Exchange rates file (empty: the shipped rates)",
                       description="A YAML or CSV file of code, per_usd, date[, source] replacing the shipped rates "
                                   "of the same currencies (docs/pricing.md).")

    @field_validator("scenario", mode="before")
    @classmethod
    def _known_scenario(cls, value: object) -> object:
        if value is None:
            return ReportScenario.ASSESSMENT
        if value not in {choice.value for choice in ReportScenario}:
            raise ValueError(f"unknown scenario {value!r}; expected one of {', '.join(SCENARIOS)} (or assessment: "
                             "the latest assessment's)")
        return value

    @field_validator("currency", mode="before")
    @classmethod
    def _known_currency(cls, value: object) -> object:
        if value is None:
            return ReportCurrency.ASSESSMENT
        code = value.strip() if isinstance(value, str) else value
        if isinstance(code, str) and code.lower() != ReportCurrency.ASSESSMENT:
            code = code.upper()
        if code not in {choice.value for choice in ReportCurrency}:
            raise ValueError(f"report files are written in one of {', '.join(sorted(REPORT_CURRENCY_CODES))} "
                             f"(the shipped rate table), got {value!r}; --rates FILE updates their rates")
        return code

    @field_validator("formats", mode="before")
    @classmethod
    def _known_formats(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            unknown = [str(fmt) for fmt in value if fmt not in REPORT_FORMATS]
            if unknown:
                raise ValueError(f"unknown report format(s) {', '.join(unknown)}; expected "
                                 f"{', '.join(REPORT_FORMATS)}")
        return value

    @field_validator("assumptions", "rates", mode="before")
    @classmethod
    def _no_file(cls, value: object) -> object:
        return "" if value is None else value

    @field_validator("name")
    @classmethod
    def _file_name(cls, value: str) -> str:
        if problem := file_name_problem(value):
            raise ValueError(problem)
        return value

    def first_month(self) -> dt.date:
        """The month the projection starts in: `start`, else this month (UTC)."""
        return self.start or _this_month()


class DemoParameters(BaseModel):
    systems: int = Field(default=3000, ge=10, le=200_000, description="Size of the generated telecom estate.")
    seed: int = Field(default=7, description="Random seed: the same seed gives the same estate.")
    folder: str = Field(default="lumen-demo", description="Where the estate, database and reports are written.")
    # A factory at full speed: about 200 servers a week is what large programmes sustain.
    max_systems_per_wave: int = Field(default=200, ge=1, description="Most systems in one wave.")
    max_tb_per_wave: float = Field(default=400.0, gt=0, description="Most storage (TB) in one wave.")
    cadence_days: int = Field(default=7, ge=1, description="Days between waves.")


class RunWaveParameters(BaseModel):
    """What the Prefect UI form and `lumen-migrate run-wave` offer for executing a wave."""

    wave: int = Field(ge=0, description="Number of the wave to run (see `lumen-migrate status`).")
    backend: Literal["simulator", "azure"] = Field(
        default="simulator", description="Where the workloads move: the built-in simulator, or Azure (ARM "
        "deployments; credentials and subscription from the environment, see docs/azure.md).")
    dry_run: bool = Field(default=False, description="Only show the runbook: what would run, in which order.")
    on_failure: Literal["continue", "rollback-workload", "rollback-wave"] = Field(
        default="rollback-workload", description="A failed workload is undone (rollback-workload), left for a "
        "retry (continue), or the whole wave is undone (rollback-wave).")
    max_failures: int | None = Field(default=None, ge=0, description="Stop starting workloads after this many "
                                     "failures.")
    max_workers: int = Field(default=8, ge=1, le=64, description="Workloads executed at the same time.")
    approval_timeout_hours: float = Field(default=24.0, gt=0, le=24 * 30, description="How long production "
                                          "workloads wait at the approval gate before they are rolled back.")
    systems: list[str] = Field(default_factory=list, description="Only these workloads (a retry), by name.")
    azure_adapter: Literal["shell", "simulator"] = Field(
        default="shell", description="Azure: who replicates, cuts over, validates and finalizes: the commands of "
        "the adapters file (shell), or the simulator (a rehearsal of the Azure path).")
    azure_adapters_file: str | None = Field(default=None, description="Azure, shell adapter: YAML file of one "
                                            "command per operation (replicate, cutover, ...).")
    azure_resource_group: str = Field(default="lm-wave-{wave}", description="Azure: the resource group a wave "
                                      "lands in ({wave} is its number; a fixed name puts every wave in one group).")
    simulator_state: str = Field(default="lumen-simulator", description="Folder of the simulator's state.")
    simulator_seed: int = Field(default=0, description="Seed of the simulator's latencies and random faults.")
    simulator_faults: list[str] = Field(default_factory=list, description="Injected faults, "
                                        "SYSTEM:STEP[:fail|transient|crash].")
    simulator_failure_probability: float = Field(default=0.0, ge=0.0, le=1.0,
                                                 description="Probability that any step fails.")
    simulator_latency_ms: float = Field(default=0.0, ge=0.0, description="Latency of every simulated step.")

    @model_validator(mode="after")
    def _azure_adapter(self) -> RunWaveParameters:
        if self.backend == "azure" and self.azure_adapter == "shell" and not self.azure_adapters_file \
                and not self.dry_run:
            raise ValueError("the Azure backend needs an adapters file (--adapters FILE: the replicate and cutover "
                             "commands) or --adapter simulator; see docs/azure.md")
        return self

    @field_validator("simulator_faults")
    @classmethod
    def _faults(cls, value: list[str]) -> list[str]:
        from flows.execution.simulator import parse_fault

        for text in value:
            parse_fault(text)
        return value
