"""The parameters of every flow: what the Prefect UI renders as forms and what the CLI checks before Prefect starts.

No Prefect here: a command validates its options against these models first, so bad input is answered in a
fraction of a second instead of after the temporary server's start. A flow takes its model as one required
parameter, so the UI shows the fields themselves; every field has a title and a description written for the
engineer filling the form, and known lists (regions, formats, options) are choices, so a typo cannot be submitted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from flows.report_choices import REPORT_CURRENCY_CODES, ReportCurrency, ReportFormat, ReportScenario
from flows.reports.naming import file_name_problem
from inventory.errors import BadInputError
from inventory.importers import Format
from inventory.records import Environment
from migrations_plan.assessment.series import AZURE_MIGRATE_SERIES
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

OBJECTIVES = ("cash-12m", "cash-36m", "risk-first")
IMPORT_FORMATS = ("auto", *(fmt.value for fmt in Format))
# The environments an engineer may assume for systems without one ("unknown" is what they have).
_ASSUMABLE_ENVIRONMENTS = [env.value for env in Environment if env is not Environment.UNKNOWN]


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _may_be_empty(json_type: dict[str, Any]) -> tuple[Any, ...]:
    """Metadata of a field a person may leave empty (None): the form shows a plain field of `json_type` instead of
    Prefect's "type or None" switch, with no default in the schema (the form would send that null, and the schema it
    is checked against refuses it). Blank text is empty too. The field's title says what empty means."""
    return BeforeValidator(_blank_is_none), WithJsonSchema(json_type), Field(json_schema_extra=_no_default)


EmptyOrText = Annotated[str | None, *_may_be_empty({"type": "string"})]
EmptyOrDate = Annotated[dt.date | None, *_may_be_empty({"type": "string", "format": "date"})]
# The bound applies to the number, not to "empty" (a bound on the union refuses None itself).
EmptyOrWave = Annotated[Annotated[int, Field(ge=0)] | None, *_may_be_empty({"type": "integer", "minimum": 0})]
EmptyOrCount = Annotated[Annotated[int, Field(ge=1)] | None, *_may_be_empty({"type": "integer", "minimum": 1})]


def _files_folder_named(*fields: str) -> Any:
    """A model's schema hook: the descriptions of its path `fields` say where a relative path goes, the files folder
    (flows/settings.py) of the machine that builds the form, which `serve` runs the flows on."""

    def name_it(schema: dict[str, Any]) -> None:
        from flows.settings import get_settings

        folder = get_settings().files_dir.expanduser()
        for name in fields:
            field = schema["properties"][name]
            field["description"] = f"{field['description']} A relative path is taken under {folder} (its files " \
                                   "folder, LUMEN_MIGRATE_FILES_DIR)."

    return name_it


def _priced_regions(schema: dict[str, Any]) -> None:
    """The form's region choices: the regions the price catalog in use prices VMs in, read when Prefect builds the
    form (the flow's definition and `serve`); without a readable catalog the field stays free text."""
    from migrations_plan.pricing.model import CatalogFormatError
    from migrations_plan.pricing.store import active_catalog_path, load_catalog

    try:
        schema["enum"] = list(load_catalog(active_catalog_path()).regions())
    except (OSError, CatalogFormatError):
        return


def _known_currencies(schema: dict[str, Any]) -> None:
    """The form's currency choices: the codes of the shipped exchange rates."""
    from migrations_plan.pricing.currency import default_rates

    schema["enum"] = list(default_rates().codes())


class Override(BaseModel):
    """An engineer's strategy for one system, recorded before the assessment and kept by every later one."""

    model_config = ConfigDict(title="Override")

    system: str = Field(min_length=1, title="System", description="Server name as in the inventory.")
    strategy: Strategy = Field(title="Strategy", description="The 7R strategy this system gets, whatever the rules "
                               "say.")


class Pin(BaseModel):
    """A system kept in a wave: its whole move group goes there."""

    model_config = ConfigDict(title="Pin")

    system: str = Field(min_length=1, title="System", description="Server name as in the inventory.")
    wave: int = Field(ge=0, title="Wave", description="Wave number (0 is the pilot wave).")


class AssessParameters(BaseModel):
    """Assessment settings under Azure Migrate's names (docs/assessment.md), the strategy rules, and engineers'
    overrides. Every active system gets a 7R strategy, a readiness and a right-sized, priced Azure target."""

    model_config = ConfigDict(json_schema_extra=_files_folder_named("rules"))

    region: str = Field(default=DEFAULT_REGION, title="Target location (Azure region)",
                        description="The Azure region to size and price in: the regions the price catalog in use "
                        "prices (`catalog refresh` adds others).", json_schema_extra=_priced_regions)
    sizing: SizingCriterion = Field(default=SizingCriterion.PERFORMANCE_BASED, title="Sizing criteria",
                                    description="performance-based: utilisation x comfort factor; as-on-premises: "
                                    "the allocated cores and memory as they are.")
    percentile: int = Field(default=95, title="Percentile utilization", description="Which percentile of the "
                            "measured CPU and memory is sized for.", json_schema_extra={"enum": list(PERCENTILES)})
    performance_history_days: int = Field(default=1, ge=1, le=MAX_PERFORMANCE_HISTORY_DAYS,
                                          title="Performance history (days)",
                                          description="Recorded with the assessment: imported figures already "
                                          "cover their source's window, as in Azure Migrate.")
    comfort_factor: float = Field(default=1.3, ge=1.0, le=5.0, title="Comfort factor",
                                  description="Headroom multiplier on utilisation (1.0 to 5.0).")
    series: list[str] = Field(default_factory=list, title="VM series", description="Azure Migrate families to size "
                              "into (empty: all of them, burstable B-series excepted).",
                              json_schema_extra={"items": {"type": "string", "enum": list(AZURE_MIGRATE_SERIES)}})
    burstable: bool = Field(default=False, title="Offer burstable B-series", description="For quiet "
                            "non-production systems sized from performance data only.")
    pricing: PricingOption = Field(default=PricingOption.PAYG, title="Savings option (compute)",
                                   description="payg: pay-as-you-go; ri1y / ri3y: 1- or 3-year reserved instances "
                                   "(savings plans are not in the price catalog).")
    ahb: bool = Field(default=False, title="Azure Hybrid Benefit", description="You bring Windows Server and SQL "
                      "Server licences: their price is left out.")
    discount: float = Field(default=0.0, ge=0.0, lt=100.0, title="Discount (%)", description="Off pay-as-you-go VM "
                            "compute (with the payg savings option only).")
    default_environment: Annotated[Environment, WithJsonSchema({"type": "string", "enum": _ASSUMABLE_ENVIRONMENTS})] \
        = Field(default=Environment.PRODUCTION, title="Environment of systems without one",
                description="Assumed for disks and burstable sizes only: the strategy rules still see "
                "\"unknown\".")
    currency: str = Field(default="USD", title="Currency", description="What the figures are shown in: prices stay "
                          "USD, converted with the shipped dated rates; status and the savings report default to "
                          "it.", json_schema_extra=_known_currencies)
    cap_at_allocation: bool = Field(default=False, title="Never size above the allocation",
                                    description="No more cores and memory than allocated on premises (Azure Migrate "
                                    "may recommend more, through the comfort factor).")
    rules: EmptyOrText = Field(default=None, title="Strategy rules file (empty: the shipped rules)",
                              description="A YAML of your rules: a file of the machine that runs the flow.")
    overrides: list[Override] = Field(default_factory=list, title="Overrides", description="Engineers' strategies "
                                      "for named systems: recorded first, kept by every later assessment.")
    override_reason: str = Field(default="", title="Why the overrides are right",
                                 description="Recorded with them; required when there are overrides.")

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


# A plan's first wave when none is given: two weeks from the run, time for the change board.
FIRST_WAVE_AFTER_DAYS = 14
_PLAN_FILE = Annotated[str, StringConstraints(pattern=r"\.([cC][sS][vV]|[xX][lL][sS][xX])$")]


class PlanParameters(BaseModel):
    """Move groups of dependent systems packed into dated waves under your limits; frozen and started waves are
    kept as they are."""

    model_config = ConfigDict(json_schema_extra=_files_folder_named("out"))

    max_systems: int = Field(default=50, ge=1, title="Most systems per wave")
    max_tb: float = Field(default=20.0, gt=0, title="Most storage per wave (TB)")
    start: EmptyOrDate = Field(default=None, title=f"First wave's date (empty: {FIRST_WAVE_AFTER_DAYS} days from "
                                  "the run)", description="Later waves follow every cadence, skipping blackout dates.")
    cadence_days: int = Field(default=14, ge=1, title="Days between waves")
    blackout: list[dt.date] = Field(default_factory=list, title="Blackout dates", description="Days no wave may run "
                                    "on (a change freeze: every day of it).")
    pilot_max_systems: int = Field(default=10, ge=0, title="Systems in the pilot wave",
                                   description="Wave 0, low-risk non-production systems only (0: no pilot wave).")
    pins: list[Pin] = Field(default_factory=list, title="Pinned systems", description="Keep a system, and its move "
                            "group, in a given wave.")
    pin_reason: str = Field(default="", title="Why the pins", description="Recorded with them.")
    freeze: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list, title="Waves to freeze",
                                                      description="Wave numbers the change board approved: "
                                                      "re-planning keeps them as they are.")
    out: list[_PLAN_FILE] = Field(default_factory=list, title="Plan files to write (.xlsx or .csv)",
                                  description="The plan for the change board.")
    objective: str = Field(default="cash-12m", title="What the wave order optimises",
                           description="cash-12m / cash-36m: net cash flow over 12 / 36 months from this month; "
                           "risk-first: environment and risk tiers.", json_schema_extra={"enum": list(OBJECTIVES)})
    no_production_before: EmptyOrWave = Field(default=None, title="No production system before wave",
                                             description="Empty: no such limit.")
    max_production_per_wave: EmptyOrCount = Field(default=None, title="Most production systems per wave",
                                                description="Empty: no such limit.")

    @field_validator("objective")
    @classmethod
    def _known_objective(cls, value: str) -> str:
        if value not in OBJECTIVES:
            raise ValueError(f"unknown objective {value!r}; expected one of {', '.join(OBJECTIVES)}")
        return value

    def first_wave(self, today: dt.date) -> dt.date:
        """The date asked for, or FIRST_WAVE_AFTER_DAYS from `today`."""
        return self.start or today + dt.timedelta(days=FIRST_WAVE_AFTER_DAYS)


def _this_month() -> dt.date:
    return dt.datetime.now(dt.UTC).date().replace(day=1)


class ReportParameters(BaseModel):
    """A savings report for finance: the monthly cash-flow projection, written as files (the Prefect UI form, finance's
    monthly schedule and `lumen-migrate report savings` all fill this in)."""

    months: int = Field(default=12, ge=1, le=120, title="Horizon (months)",
                        description="How many months the projection covers (12 and 36 are usual); the headline is "
                                    "always the first 12.")
    start: EmptyOrDate = Field(default=None, title="First month (empty: the month of the run)",
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
    """A generated telecom estate imported, assessed, planned, priced and its pilot wave run on the simulator, all
    in the demo's own folder and database: never the configured one."""

    model_config = ConfigDict(json_schema_extra=_files_folder_named("folder"))

    systems: int = Field(default=3000, ge=10, le=200_000, title="Systems in the sample estate",
                         description="Size of the generated telecom estate (a few hundred run in a minute).")
    seed: int = Field(default=7, title="Random seed", description="The same seed gives the same estate.")
    folder: str = Field(default="lumen-demo", min_length=1, title="Demo folder",
                        description="Where the estate, the demo's own database (lumen-migrate.db), the plan, the "
                        "reports and the simulator's state are written.")
    # A factory at full speed: about 200 servers a week is what large programmes sustain.
    max_systems_per_wave: int = Field(default=200, ge=1, title="Most systems per wave")
    max_tb_per_wave: float = Field(default=400.0, gt=0, title="Most storage per wave (TB)")
    cadence_days: int = Field(default=7, ge=1, title="Days between waves")


class ImportParameters(BaseModel):
    """One inventory file imported in one transaction: a rejected file writes nothing; re-importing a source
    updates its systems in place."""

    model_config = ConfigDict(json_schema_extra=_files_folder_named("path"))

    path: str = Field(min_length=1, title="Inventory file", description="RVTools .xlsx, Azure Migrate CSV or "
                      "discovery report, our CSV/JSON, or a dependency export: a file of the machine that runs the "
                      "flow.")
    format: str = Field(default="auto", title="Format", description="auto: recognised from the file; otherwise the "
                        "format it is in.", json_schema_extra={"enum": list(IMPORT_FORMATS)})
    source: EmptyOrText = Field(default=None, title="Source name (empty: the file name)",
                               description="The source this file refreshes: systems of an earlier import of the "
                               "same source are updated, and those no longer in it marked removed.")

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in IMPORT_FORMATS:
            raise ValueError(f"unknown format {value!r}; expected one of {', '.join(IMPORT_FORMATS)}")
        return value


def inventory_format(path: Path, fmt: str) -> str:
    """The format `path` is imported in, checked before anything is written (by the CLI before Prefect starts, by
    the flow before its first task): the file exists, can be read, and is in a format we import."""
    from inventory.importers import detect_format, known_format

    if not path.exists():
        raise BadInputError.single(str(path), "file not found")
    if not path.is_file():
        raise BadInputError.single(str(path), "not a file")
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as e:
        raise BadInputError.single(str(path), f"cannot read the file: {e.strerror}") from e
    return str(detect_format(path) if fmt == "auto" else known_format(fmt, path))


_REGION_NAME = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+$")]


class CatalogParameters(BaseModel):
    """Current prices from the Azure Retail Prices API into the price catalog; offline, or on any error of the API,
    the catalog is kept unchanged."""

    model_config = ConfigDict(json_schema_extra=_files_folder_named("out"))

    # A list default is copied for every instance; written out, the form shows it.
    regions: list[_REGION_NAME] = Field(default=[DEFAULT_REGION], min_length=1, title="Regions to refresh",
                                        description="Azure region names as Azure writes them (eastus2, westeurope, "
                                        "...): VMs, managed disks, SQL Database and App Service prices.")
    out: EmptyOrText = Field(default=None, title="Catalog file (empty: the one assessments use)",
                            description="Empty: LUMEN_MIGRATE_CATALOG, else lumen-migrate-catalog.json.gz in the "
                            "working folder of the process that runs the flow.")


class RunWaveParameters(BaseModel):
    """What the Prefect UI form and `lumen-migrate run-wave` offer for executing a wave."""

    wave: int = Field(ge=0, title="Wave", description="Number of the wave to run (as in the wave plan).")
    backend: Literal["simulator", "azure"] = Field(
        default="simulator", title="Backend", description="Where the workloads move: the built-in simulator, or "
        "Azure (ARM deployments; credentials and subscription from the environment, see docs/azure.md).")
    dry_run: bool = Field(default=False, title="Dry run", description="Only show the runbook (on Azure with every "
                          "workload's what-if): what would run, in which order; nothing is created.")
    on_failure: Literal["continue", "rollback-workload", "rollback-wave"] = Field(
        default="rollback-workload", title="When a workload fails", description="A failed workload is undone "
        "(rollback-workload), left for a retry (continue), or the whole wave is undone (rollback-wave).")
    max_failures: EmptyOrWave = Field(default=None, title="Stop after this many failures (empty: never)",
                                      description="Stop starting workloads once more than this many have failed.")
    max_workers: int = Field(default=8, ge=1, le=64, title="Workloads at the same time",
                             description="How many workloads are executed at the same time.")
    approval_timeout_hours: float = Field(default=24.0, gt=0, le=24 * 30, title="Approval timeout (hours)",
                                          description="How long production workloads wait at the approval gate "
                                          "before they are rolled back.")
    systems: list[str] = Field(default_factory=list, title="Only these workloads",
                               description="Run only these workloads of the wave, by name (a retry); empty: all.")
    azure_adapter: Literal["shell", "simulator"] = Field(
        default="shell", title="Azure: who replicates and cuts over", description="The commands of the adapters "
        "file (shell), or the simulator (a rehearsal of the Azure path).")
    azure_adapters_file: EmptyOrText = Field(default=None, title="Azure: adapters file", description="With the "
                                             "shell adapter: YAML file of one command per operation (replicate, "
                                             "cutover, ...), on the machine that runs the wave.")
    azure_resource_group: str = Field(default="lm-wave-{wave}", title="Azure: resource group", description="The "
                                      "resource group a wave lands in ({wave} is its number; a fixed name puts "
                                      "every wave in one group).")
    simulator_state: str = Field(default="lumen-simulator", title="Simulator state folder", description="Where the "
                                 "simulator keeps its Azure (relative: under the files folder of the machine that "
                                 "runs the wave).")
    simulator_seed: int = Field(default=0, title="Simulator seed", description="Seed of the simulator's latencies "
                                "and random faults.")
    simulator_faults: list[str] = Field(default_factory=list, title="Simulator: injected faults",
                                        description="SYSTEM:STEP[:fail|transient|crash], e.g. crm-db-01:cutover.")
    simulator_failure_probability: float = Field(default=0.0, ge=0.0, le=1.0, title="Simulator: failure "
                                                 "probability", description="Probability that any step fails.")
    simulator_latency_ms: float = Field(default=0.0, ge=0.0, title="Simulator: latency per step (ms)",
                                        description="Latency of every simulated step.")

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


class RollbackParameters(BaseModel):
    """Undo a wave's latest run from its journal. The form starts as a dry run: it lists what would be undone and
    changes nothing. Failing back production workloads already cut over needs an approver, a reason, a change
    reference and the wave number typed again."""

    wave: int = Field(ge=0, title="Wave", description="Number of the wave whose latest run is undone.")
    dry_run: bool = Field(default=True, title="Dry run (only list what would be undone)",
                          description="On: list, workload by workload, what the rollback would undo, and change "
                                      "nothing. Switch off to roll back.")
    systems: list[str] = Field(default_factory=list, title="Only these workloads",
                               description="Undo only these workloads, by name; empty: every workload of the run.")
    approver: str = Field(default="", title="Approver", description="Who authorises the rollback (required when "
                          "production workloads already cut over would be failed back).")
    reason: str = Field(default="", title="Reason", description="Why the wave is rolled back (recorded in the "
                        "journal; required for production workloads already cut over).")
    change_reference: str = Field(default="", title="Change reference", description="The change ticket that "
                                  "allows failing production back (e.g. CHG-1042).")
    confirm_wave: EmptyOrWave = Field(default=None, title="Type the wave number again to confirm",
                                     description="Required when production workloads already cut over would be "
                                                 "failed back.")
    backend: Annotated[Literal["simulator", "azure"] | None,
                       *_may_be_empty({"type": "string", "enum": ["simulator", "azure"]})] = Field(
        default=None, title="Backend (empty: where the run acted)", description="Where the run acted: leave empty "
                                                                                  "to use the backend the run used.")
    azure_adapter: Literal["shell", "simulator"] = Field(default="shell", title="Azure: who fails back",
                                                         description="The adapters file's commands, or the simulator.")
    azure_adapters_file: EmptyOrText = Field(default=None, title="Azure: adapters file",
                                             description="With the shell adapter: the YAML file of commands.")
    azure_resource_group: str = Field(default="lm-wave-{wave}", title="Azure: resource group",
                                      description="The resource group the wave landed in ({wave} is its number).")
    simulator_state: str = Field(default="lumen-simulator", title="Simulator state folder",
                                 description="Relative: under the files folder of the machine that runs it.")

    def run_wave_parameters(self, backend: str) -> RunWaveParameters:
        """The wave parameters the backend is built from (the run's backend when none was named)."""
        return RunWaveParameters(wave=self.wave, backend=self.backend or backend,
                                 systems=self.systems, azure_adapter=self.azure_adapter,
                                 azure_adapters_file=self.azure_adapters_file,
                                 azure_resource_group=self.azure_resource_group,
                                 simulator_state=self.simulator_state)
