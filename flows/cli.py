"""`lumen-migrate`: the command line. Work commands run as Prefect flows; read-only ones never start Prefect.

Exit codes: 0 ok, 1 the run failed, 2 bad input. Errors are one line plus a hint; a traceback only with --debug.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from inventory.db_url import DB_URL_ENV, redact_url, resolve_db_url
from inventory.errors import BadInputError, BadSettingsError, LumenError
from migrations_plan.pricing.model import DEFAULT_REGION

if TYPE_CHECKING:
    from flows.demo_flow import DemoOutcome
    from flows.execution.results import RunWaveOutcome

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
T = TypeVar("T")

# The global options, and whether each takes a value. People type them after the command too
# (`lumen-migrate status --json`): they are moved in front of it before parsing.
GLOBAL_OPTIONS = {"--db": True, "--json": False, "--debug": False, "--log-file": True}
GLOBAL_EPILOG = "Global options (--db, --json, --debug, --log-file) go before or after the command."


def hoist_global_options(args: list[str]) -> list[str]:
    """`args` with every global option (and its value) moved to the front; nothing after `--` is touched."""
    front: list[str] = []
    rest: list[str] = []
    position = 0
    while position < len(args):
        token = args[position]
        if token == "--":
            rest += args[position:]
            break
        name = token.split("=", 1)[0]
        takes_value = GLOBAL_OPTIONS.get(name)
        if takes_value is None:
            rest.append(token)
        elif takes_value and "=" not in token and position + 1 < len(args):
            front += [token, args[position + 1]]
            position += 1
        else:
            front.append(token)
        position += 1
    return front + rest


class GlobalOptionsAnywhere(TyperGroup):
    """The root command group: global options are accepted after a (sub)command, and every command says so."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(list(args)))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        _add_epilog(command)
        return command


def _add_epilog(command: Any) -> None:
    if command is not None and not command.epilog:
        command.epilog = GLOBAL_EPILOG
        for sub in getattr(command, "commands", {}).values():
            _add_epilog(sub)


app = typer.Typer(
    name="lumen-migrate",
    cls=GlobalOptionsAnywhere,
    help="Migration factory: import a legacy estate, assess it, plan waves to Azure, project the savings.",
    epilog=GLOBAL_EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@dataclass
class Options:
    db_url: str
    db_explicit: bool
    json: bool
    debug: bool
    log_file: Path
    console: Console


def _options(ctx: typer.Context) -> Options:
    options: Options = ctx.obj
    return options


@app.callback()
def _global(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", help=f"Database URL (env {DB_URL_ENV}; default: SQLite file "
                                           "lumen-migrate.db in the working directory).")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    log_file: Annotated[Path | None, typer.Option("--log-file", help="Where Prefect's logs go "
                                                  "(default: lumen-migrate.log in the working directory).")] = None,
) -> None:
    url = resolve_db_url(db)
    explicit = bool(db or os.environ.get(DB_URL_ENV))
    ctx.obj = Options(db_url=url, db_explicit=explicit, json=json_output, debug=debug,
                      log_file=(log_file or Path.cwd() / "lumen-migrate.log").resolve(),
                      console=Console(stderr=json_output, highlight=False, soft_wrap=True))


def fail(options: Options, message: str, *, code: int, hint: str | None = None) -> NoReturn:
    """Print one clear error line (and a hint) and exit."""
    err = Console(stderr=True, highlight=False)
    if options.json:
        sys.stdout.write(json.dumps({"ok": False, "error": message, "hint": hint}) + "\n")
    else:
        err.print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
        if hint:
            err.print(f"[dim]hint: {hint}[/]", markup=True, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def errors_handled(options: Options) -> Iterator[None]:
    """Map domain errors to exit codes and one-line messages; anything else is a failed run."""
    try:
        yield
    except typer.Exit:
        raise
    except BadInputError as e:
        if options.debug:
            traceback.print_exc()
        problems = [str(problem) for problem in e.problems]
        if options.json:
            sys.stdout.write(json.dumps({"ok": False, "error": "bad input", "problems": problems}) + "\n")
            raise typer.Exit(EXIT_BAD_INPUT) from e
        err = Console(stderr=True, highlight=False)
        if len(problems) == 1:
            err.print("[bold red]error:[/] ", markup=True, end="")
            err.print(f"{problems[0]} (nothing was written)", markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_INPUT) from e
        err.print(f"[bold red]error:[/] rejected, nothing was written ({len(problems)} problem(s)):", markup=True)
        for line in str(e).splitlines():
            err.print(f"  {line}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from e
    except BadSettingsError as e:
        if options.debug:
            traceback.print_exc()
        fail(options, str(e), code=EXIT_BAD_INPUT)
    except ValidationError as e:
        if options.debug:
            traceback.print_exc()
        fail(options, "; ".join(_option_problem(error) for error in e.errors()), code=EXIT_BAD_INPUT)
    except LumenError as e:
        if options.debug:
            traceback.print_exc()
        fail(options, str(e), code=EXIT_FAILED, hint=f"details in {options.log_file}")
    except KeyboardInterrupt:
        fail(options, "interrupted", code=EXIT_FAILED)
    except Exception as e:  # noqa: BLE001 - the edge of the program: one line, the traceback only with --debug
        if options.debug:
            traceback.print_exc()
        fail(options, f"{type(e).__name__}: {e}", code=EXIT_FAILED,
             hint=f"rerun with --debug for the traceback; Prefect's log is {options.log_file}")


# Parameter fields whose command-line option has another name.
_OPTION_OF_FIELD = {"formats": "--format", "out_dir": "--out", "pins": "--pin", "folder": "--dir",
                    "performance_history_days": "--performance-history", "pricing": "--savings-option"}


def _option_problem(error: Any) -> str:
    """A parameter model's complaint, named as the command-line option."""
    location = [str(part) for part in error.get("loc", ())]
    option = _OPTION_OF_FIELD.get(location[0], "--" + location[0].replace("_", "-")) if location else "option"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{option}: {message}"


@contextmanager
def progress_display(options: Options) -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar per stage, fed by flows.progress reports; silent with --json."""
    progress = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True, disable=options.json)
    tasks: dict[str, Any] = {}

    def listener(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total or None)
        progress.update(tasks[stage], completed=done, total=total or None)

    with progress:
        yield listener


def run_flow(options: Options, flow_fn: Callable[..., T], /, *, run_name: str | None = None, **params: Any) -> T:
    """Run a Prefect flow with a progress display. Prefect must have been prepared (see `start_work`). The run is
    named `run_name` (what it does: "wave-3 run 2", "assess eastus2") and tagged lumen-migrate, cli and the flow's
    name, so runs started from a terminal are found in the UI beside those started there."""
    import gc

    from prefect import tags

    from flows.progress import listening

    # What is loaded by now (Prefect, SQLAlchemy, pydantic: about a million objects) lives as long as the
    # process: the collector need not walk it again on every full collection of a long run.
    gc.freeze()
    named: Any = flow_fn
    if run_name and hasattr(flow_fn, "with_options"):
        named = flow_fn.with_options(flow_run_name=run_name)
    with progress_display(options) as listener, listening(listener), \
            tags("lumen-migrate", "cli", str(getattr(flow_fn, "name", "flow"))):
        result: T = named(**params)
        return result


def start_work(options: Options, *, database: bool = True) -> None:
    """Everything a work command needs before its flow runs, cheapest and likeliest to fail first.

    Options were checked by the caller; here the database must open at a schema this version knows (bad settings,
    exit 2), then Prefect is prepared (quiet, logs to a file) and its API made to answer: a running server named by
    PREFECT_API_URL, or the temporary one, started once, behind a spinner.
    """
    from flows.prefect_env import prepare_prefect, start_prefect
    from flows.settings import Settings, use_settings
    from inventory.db import DatabaseError, get_engine

    # Flows read the database URL from the settings: it is never a flow parameter (it may hold a password).
    use_settings(Settings(db_url=options.db_url, log_file=options.log_file))

    if database:
        try:
            get_engine(options.db_url)
        except DatabaseError as e:
            raise BadSettingsError(str(e)) from e
    prepare_prefect(options.log_file)
    status_console = Console(stderr=True, highlight=False)

    def waiting(message: str) -> Any:
        return nullcontext() if options.json else status_console.status(message, spinner="dots")

    start_prefect(waiting=waiting)


def emit(options: Options, payload: dict[str, Any], render: Callable[[Console], None]) -> None:
    if options.json:
        sys.stdout.write(json.dumps(payload, default=str, indent=2) + "\n")
    else:
        render(options.console)


@app.command("demo")
def demo_command(
    ctx: typer.Context,
    systems: Annotated[int, typer.Option(min=10, max=200_000, help="Size of the generated telecom estate.")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same estate.")] = 7,
    folder: Annotated[Path, typer.Option("--dir", help="Folder for the estate, its own database, log and "
                                         "reports.")] = Path("lumen-demo"),
) -> None:
    """Generate a telecom estate, import, assess, plan waves and write the savings report, in one run.

    The demo works in its own database, DIR/lumen-migrate.db, never in the configured one: --db is refused and
    LUMEN_MIGRATE_DB_URL is ignored, so a demo cannot touch a real estate.
    """
    from inventory.db_url import default_db_url

    options = _options(ctx)
    folder = folder.resolve()
    demo_database = default_db_url(folder)
    if options.log_file == (Path.cwd() / "lumen-migrate.log").resolve():
        options.log_file = folder / "prefect.log"
    with errors_handled(options):
        if ctx.find_root().params.get("db"):
            raise BadInputError.single("--db", f"the demo works in its own database ({redact_url(demo_database)}), "
                                       "never in a named one: leave --db out")
        options.db_url = demo_database
        from flows.parameters import DemoParameters

        params = DemoParameters(systems=systems, seed=seed, folder=str(folder))
        if folder.exists() and not folder.is_dir():
            raise BadInputError.single("--dir", f"{folder} is a file, not a folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise BadInputError.single("--dir", f"cannot create the folder {folder}: {e.strerror}") from e
        start_work(options)
        from flows.demo_flow import demo_flow

        result = run_flow(options, demo_flow, params=params, run_name=f"demo {params.systems} systems")
    database, log_file = redact_url(options.db_url), str(options.log_file)
    emit(options, {"ok": True, **result.model_dump(mode="json"), "database": database, "log_file": log_file},
         lambda console: render_demo(console, result, database=database, log_file=log_file))


def render_demo(console: Console, result: DemoOutcome, *, database: str, log_file: str) -> None:
    """The ten-second summary: what the estate is, what to do with it, when, and what it is worth."""
    from flows.demo_flow import PilotRun

    assessment, plan, savings = result.assessment, result.plan, result.savings
    console.print(f"\n[bold]lumen-migrate demo[/]: {assessment.systems} systems assessed in "
                  f"{assessment.region} ({assessment.pricing}, prices dated {assessment.catalog_as_of})")
    console.print("  strategies:  " + ", ".join(f"{k} {v}" for k, v in assessment.by_strategy.items()))
    console.print(f"  not ready:   {assessment.not_ready}")
    console.print(f"  waves:       {plan.waves} from {plan.first_wave} to {plan.last_wave} "
                  f"({plan.planned_systems} systems; {plan.excluded} retired/retained)")
    console.print(f"  run rate:    legacy ${savings.legacy_monthly:,.0f}/month -> Azure "
                  f"${savings.azure_monthly:,.0f}/month")
    console.print(f"  cash flow:   [bold]${savings.net_12_months:,.0f}[/] net over the next 12 months; "
                  f"payback month {savings.payback_month or 'beyond 12'}")
    execution = result.execution
    if isinstance(execution, PilotRun) and execution.workloads:
        console.print(f"  pilot run:   wave {execution.wave} on the simulator: {execution.migrated} of "
                      f"{execution.workloads} migrated; the injected failure ({execution.injected_failure}) "
                      + ("was rolled back" if execution.rolled_back else "was not rolled back")
                      + f", {execution.left_behind} resource(s) left behind")
    console.print("  files:")
    for path in [*plan.files, *(p for p in savings.files if p.endswith((".xlsx", ".html", "savings.csv")))]:
        console.print(f"    {path}")
    console.print(f"    {database}  (database)")
    console.print(f"  Prefect log: {log_file}")
    console.print("  See the runs in the Prefect UI: `lumen-migrate server start`, then open the address it prints "
                  "(runs of the temporary server are kept in Prefect's local database).", soft_wrap=True)


@app.command("import")
def import_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Inventory file: RVTools .xlsx, Azure Migrate CSV, canonical CSV/JSON, "
                                         "or a dependency export.")],
    fmt: Annotated[str, typer.Option("--format", help="Force a format instead of detecting it: rvtools, "
                                     "azure-migrate, canonical-csv, canonical-json, azure-migrate-dependencies, "
                                     "dependency-csv.")] = "auto",
    source: Annotated[str | None, typer.Option(help="Name of the source this file refreshes (default: the file "
                                               "name without extension). Re-importing a source updates it.")] = None,
) -> None:
    """Import an inventory file in one transaction: a rejected file writes nothing."""
    options = _options(ctx)
    with errors_handled(options):
        from flows.parameters import ImportParameters, inventory_format

        detected = inventory_format(path, fmt)
        # The flow takes a relative path under the files folder: the one given here is the working folder's.
        params = ImportParameters(path=str(path.resolve()), format=detected, source=source)
        start_work(options)
        from flows.import_flow import import_inventory

        result = run_flow(options, import_inventory, params=params, run_name=f"import {path.name}")

    def render(console: Console) -> None:
        systems, deps = result.systems, result.dependencies
        console.print(f"Imported [bold]{path.name}[/] as {result.format} (source {result.source!r}) into "
                      f"{redact_url(options.db_url)}")
        console.print(f"  systems:      {systems.added} added, {systems.changed} changed, "
                      f"{systems.unchanged} unchanged, {systems.removed} removed")
        if deps.total:
            console.print(f"  dependencies: {deps.added} added, {deps.changed} changed, "
                          f"{deps.unchanged} unchanged, {deps.removed} removed")
        for warning in result.warnings:
            console.print(f"  [yellow]warning:[/] {warning}", soft_wrap=True)

    emit(options, {"ok": True, **result.model_dump(mode="json")}, render)


CurrencyOption = Annotated[str | None, typer.Option(
    "--currency", help="Print money in this ISO 4217 currency (AUD, EUR, ...): amounts are stored in USD and "
    "converted when printed, the rate and its date beside them.")]
RatesOption = Annotated[Path | None, typer.Option(
    "--rates", help="YAML or CSV of exchange rates (code, per_usd, date[, source]) replacing the shipped rates of "
    "the same codes (docs/pricing.md).")]


@app.command("status")
def status_command(ctx: typer.Context, currency: CurrencyOption = None, rates: RatesOption = None) -> None:
    """Counts of the estate by kind, environment and state (reads the database only; never starts Prefect)."""
    from flows.assessment_store import assessment_counts
    from flows.execution.runs import run_overview
    from flows.money_display import assessed_currency, converted_json, converted_text, display_conversion
    from flows.plan_store import wave_overview
    from inventory.db import session_scope
    from inventory.store import estate_status

    options = _options(ctx)
    with errors_handled(options):
        with session_scope(options.db_url) as session:
            status = estate_status(session=session)
            assessment = assessment_counts(session=session)
            waves = wave_overview(session=session)
            runs = run_overview(session=session)
        last_run = assessment["last_run"] or {}
        shown = display_conversion(currency or assessed_currency(last_run.get("settings")), rates)

    def render(console: Console) -> None:
        console.print(f"Database: {redact_url(options.db_url)}")
        console.print(f"Systems: [bold]{status.systems}[/] ({status.removed} removed by re-imports), "
                      f"dependencies: {status.dependencies}, imports: {status.imports}")
        for title, counts in (("kind", status.by_kind), ("environment", status.by_environment),
                              ("state", status.by_state)):
            if counts:
                table = Table(title=f"by {title}", title_justify="left")
                table.add_column(title)
                table.add_column("systems", justify="right")
                for key, count in counts.items():
                    table.add_row(key, str(count))
                console.print(table)
        if assessment["last_run"]:
            run = assessment["last_run"]
            console.print(f"Assessment ({run['region']}, {run['pricing']}, prices dated {run['catalog_as_of']}): "
                          + ", ".join(f"{k} {v}" for k, v in assessment["by_strategy"].items()))
            console.print("  readiness: " + ", ".join(f"{k} {v}" for k, v in assessment["by_readiness"].items())
                          + f"; priced targets ${assessment['azure_monthly']:,.0f}/month at the chosen option"
                          + converted_text(shown, assessment["azure_monthly"], "/month"))
            if run.get("settings"):
                from migrations_plan.assessment.model import settings_text

                console.print(f"  settings: {settings_text(run['settings'])}", markup=False)
        if waves:
            table = Table(title="waves", title_justify="left")
            for column in ("wave", "name", "date", "status", "systems", "TB"):
                table.add_column(column, justify="right" if column in ("wave", "systems", "TB") else "left")
            for wave in waves:
                table.add_row(str(wave["number"]), wave["name"], wave["date"],
                              wave["status"] + (" (frozen)" if wave["frozen"] else ""), str(wave["systems"]),
                              f"{wave['storage_tb']:.1f}")
            console.print(table)
        for run in runs:
            console.print(f"Wave {run['wave']} run {run['run_id']} ({run['backend']}): [bold]{run['status']}[/]; "
                          f"{run['migrated']}/{run['workloads']} migrated, {run['rolled_back']} rolled back, "
                          f"{run['failed']} failed")
            steps: Any = run["steps"]
            if steps:
                table = Table(title=f"wave {run['wave']} steps", title_justify="left")
                for column in ("step", "completed", "failed", "waiting", "running"):
                    table.add_column(column, justify="left" if column == "step" else "right")
                for kind, counts in steps.items():
                    table.add_row(kind, *(str(counts[key]) for key in ("completed", "failed", "waiting", "running")))
                console.print(table)

    converted = converted_json(shown, {"azure_monthly": assessment["azure_monthly"]})
    emit(options, {"ok": True, **status.as_dict(), "assessment": assessment, "waves": waves, "runs": runs,
                   **converted}, render)


@app.command("sample-inventory")
def sample_inventory_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="File to write (a dependency file is written beside it).")],
    systems: Annotated[int, typer.Option("--systems", min=1, max=1_000_000, help="How many systems.")] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed writes the same estate.")] = 7,
    fmt: Annotated[str, typer.Option("--format", help="csv (our canonical format), azure-migrate or rvtools.")] = "csv",
) -> None:
    """Write a deterministic, realistic sample telecom estate (servers, databases, apps, dependencies, costs)."""
    from inventory.sample import generate_estate
    from inventory.sample_writers import write_sample

    options = _options(ctx)
    with errors_handled(options):
        if fmt not in ("csv", "azure-migrate", "rvtools"):
            raise BadInputError.single("--format", f"unknown sample format {fmt!r}; expected csv, azure-migrate or "
                                       "rvtools")
        estate = generate_estate(systems, seed=seed)
        written = write_sample(estate, fmt, out)

    def render(console: Console) -> None:
        console.print(f"Wrote {len(estate.systems)} systems and {len(estate.dependencies)} dependencies:")
        for path in written:
            console.print(f"  {path}")

    emit(options, {"ok": True, "systems": len(estate.systems), "dependencies": len(estate.dependencies),
                   "files": [str(path) for path in written]}, render)


@app.command("assess")
def assess_command(
    ctx: typer.Context,
    settings: Annotated[Path | None, typer.Option("--settings", help="YAML of assessment settings under Azure "
                                                  "Migrate's names ('Comfort factor: 1.3', ...); flags override "
                                                  "it. See docs/assessment.md.")] = None,
    region: Annotated[str | None, typer.Option(help=f"Target location: Azure region to size and price in "
                                               f"(default {DEFAULT_REGION}).")] = None,
    sizing: Annotated[str | None, typer.Option(help="Sizing criteria: performance-based (default) or "
                                               "as-on-premises.")] = None,
    percentile: Annotated[int | None, typer.Option(help="Percentile utilization: 50, 90, 95 (default) or 99.")]
    = None,
    comfort_factor: Annotated[float | None, typer.Option(help="Comfort factor on utilisation (default 1.3).")] = None,
    performance_history: Annotated[int | None, typer.Option(min=1, help="Performance history in days (1, 7 or 30; "
                                                            "recorded: imported figures already cover their "
                                                            "source's window, as in Azure Migrate).")] = None,
    series: Annotated[list[str] | None, typer.Option("--series", help="VM series to include, e.g. Dsv5,Esv5 "
                                                     "(repeatable; default: Azure Migrate's list).")] = None,
    burstable: Annotated[bool | None, typer.Option("--burstable/--no-burstable", help="Also offer burstable "
                                                   "B-series to quiet non-production systems (default: no).")] = None,
    savings_option: Annotated[str | None, typer.Option("--savings-option", "--pricing", help="Savings option: "
                                                       "payg (default), ri1y or ri3y.")] = None,
    ahb: Annotated[bool | None, typer.Option("--ahb/--no-ahb", help="Azure Hybrid Benefit for Windows Server and "
                                             "SQL Server (default: no).")] = None,
    discount: Annotated[float | None, typer.Option(help="Discount (%) off pay-as-you-go VM compute (default 0).")]
    = None,
    default_environment: Annotated[str | None, typer.Option(help="Environment of systems without one, for disks "
                                                            "and burstable sizes (default production).")] = None,
    currency: Annotated[str | None, typer.Option(help="Currency the run's figures are shown in (AUD, EUR, ...; "
                                                 "default USD): prices stay USD, converted with the shipped dated "
                                                 "rates; status and report savings default to it.")] = None,
    cap_at_allocation: Annotated[bool | None, typer.Option("--cap-at-allocation/--no-cap-at-allocation",
                                                           help="Never size above the allocated cores and memory "
                                                           "(default: no, as Azure Migrate).")] = None,
    rules: Annotated[Path | None, typer.Option(help="Your strategy rules YAML (default: the shipped rules).")] = None,
    override: Annotated[list[str] | None, typer.Option("--override", help="SYSTEM=STRATEGY, an engineer's "
                                                       "decision that survives re-assessment (repeatable).")] = None,
    reason: Annotated[str, typer.Option(help="Why the overrides are right (required with --override).")] = "",
) -> None:
    """Classify every system (7 Rs), check readiness, and map it to a right-sized, priced Azure target."""
    options = _options(ctx)
    with errors_handled(options):
        from flows.assessment_store import parse_override

        overrides = [parse_override(text) for text in override or []]
        if overrides and not reason.strip():
            raise BadInputError.single("--reason", "an override needs a reason: say why the rules are wrong here")
        fields, source = assess_fields(
            settings, region=region, sizing=sizing, percentile=percentile, comfort_factor=comfort_factor,
            performance_history=performance_history, series=series, burstable=burstable,
            savings_option=savings_option, ahb=ahb, discount=discount, default_environment=default_environment,
            cap_at_allocation=cap_at_allocation, currency=currency)
        if rules is not None:
            from migrations_plan.assessment import load_rules

            if not rules.is_file():
                raise BadInputError.single(str(rules), "file not found")
            load_rules(rules)  # every problem of the file, before anything starts
        check_region(fields.get("region", DEFAULT_REGION), series=fields.get("series", ()),
                     source=source.get("region", "--region"))
        from flows.parameters import AssessParameters

        params = AssessParameters(**fields, rules=str(rules.resolve()) if rules else None, overrides=overrides,
                                  override_reason=reason)
        start_work(options)
        from flows.assess_flow import assess_flow

        result = run_flow(options, assess_flow, params=params, run_name=f"assess {params.region}")

    def render(console: Console) -> None:
        from migrations_plan.assessment.model import settings_text

        console.print(f"Assessed [bold]{result.systems}[/] systems in {result.region} ({result.pricing}, "
                      f"prices dated {result.catalog_as_of}, rules {result.rules})")
        console.print(f"  settings:   {settings_text(result.settings)}", markup=False)
        console.print("  strategies: " + ", ".join(f"{k} {v}" for k, v in result.by_strategy.items()))
        console.print("  readiness:  " + ", ".join(f"{k} {v}" for k, v in result.by_readiness.items()))
        console.print(f"  Azure run rate: ${result.azure_monthly:,.0f}/month "
                      f"({result.overridden} engineer override(s))")

    emit(options, {"ok": True, **result.model_dump(mode="json")}, render)


def assess_fields(settings: Path | None, **flags: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The assess parameters of a settings file and the flags given (flags win), each checked, and where each came
    from (the flag, or the file): a problem is named by whichever gave the values."""
    from migrations_plan.assessment import parse_savings_option
    from migrations_plan.assessment.settings import discount_problem, name_key
    from migrations_plan.assessment.settings_file import currency_of, environment_of, load_settings_file, sizing_of

    fields: dict[str, Any] = {}
    source: dict[str, str] = {}
    if settings is not None:
        if not settings.is_file():
            raise BadInputError.single(str(settings), "settings file not found")
        fields.update(load_settings_file(settings))
        source = dict.fromkeys(fields, f"{settings}")
    parsers: dict[str, tuple[str, Callable[[Any], Any]]] = {
        "region": ("region", name_key), "currency": ("currency", currency_of),
        "sizing": ("sizing", sizing_of), "savings_option": ("pricing", parse_savings_option),
        "performance_history": ("performance_history_days", int),
        "default_environment": ("default_environment", environment_of),
        "series": ("series", lambda names: [part.strip() for name in names for part in name.split(",")
                                            if part.strip()]),
    }
    for name, value in flags.items():
        if value is None:
            continue
        field, parse = parsers.get(name, (name, lambda given: given))
        flag = "--" + name.replace("_", "-")
        try:
            fields[field] = parse(value)
        except ValueError as e:
            raise BadInputError.single(flag, str(e)) from e
        source[field] = flag
    problem = discount_problem(fields.get("discount", 0.0), fields.get("pricing", "payg"))
    if problem:
        raise BadInputError.single(" with ".join(dict.fromkeys(source[f] for f in ("discount", "pricing")
                                                               if f in source)), problem)
    return fields, source


def check_region(region: str, *, series: Iterable[str] = (), source: str = "--region") -> None:
    """The region must be one the price catalog in use prices VMs in, and the VM series named must exist there;
    `source` names where the region came from (the flag or the settings file)."""
    from migrations_plan.assessment.series import unknown_series
    from migrations_plan.assessment.vm import series_of
    from migrations_plan.pricing.store import active_catalog_path, load_catalog

    catalog = load_catalog(active_catalog_path())
    regions = catalog.regions()
    if region not in regions:
        close = [known for known in regions if known.startswith(region[:4])][:5] or list(regions[:5])
        raise BadInputError.single(source, f"unknown region {region!r}: the price catalog (dated "
                                   f"{catalog.as_of}) prices {len(regions)} regions, e.g. {', '.join(close)}; "
                                   "`lumen-migrate catalog show` names its file, `catalog refresh --region` adds one")
    names = list(series)
    if names:
        known = {series_of(size.name) for os in ("linux", "windows")
                 for size, _ in catalog.candidate_sizes(region, os=os)}
        unknown = unknown_series(names, known)
        if unknown:
            raise BadInputError.single("--series", f"no size of VM series {', '.join(unknown)} is priced in {region}; "
                                       "name Azure Migrate families (Dsv5, Esv5, Fsv2, Mv2...) or size series "
                                       f"(e.g. {', '.join(sorted(known)[:6])})")


@app.command("plan")
def plan_command(
    ctx: typer.Context,
    max_systems: Annotated[int, typer.Option(min=1, help="Most systems in one wave.")] = 50,
    max_tb: Annotated[float, typer.Option(min=0.001, help="Most storage (TB) in one wave.")] = 20.0,
    start: Annotated[str | None, typer.Option(help="Date of the first wave, YYYY-MM-DD (default: in 14 days).")] = None,
    cadence_days: Annotated[int, typer.Option(min=1, help="Days between waves.")] = 14,
    blackout: Annotated[list[str] | None, typer.Option("--blackout", help="A date no wave may run on, or a change "
                                                       "freeze FROM..TO (both days included; repeatable).")]
    = None,
    pilot_max_systems: Annotated[int, typer.Option(min=0, help="Size of the pilot wave.")] = 10,
    pin: Annotated[list[str] | None, typer.Option("--pin", help="SYSTEM=WAVE: keep the system (and its move group) "
                                                  "in that wave (repeatable).")] = None,
    reason: Annotated[str, typer.Option(help="Why the pins (recorded with them).")] = "",
    freeze: Annotated[list[int] | None, typer.Option("--freeze", help="Freeze wave N: re-planning keeps it "
                                                     "(repeatable).")] = None,
    out: Annotated[list[Path] | None, typer.Option("--out", help="Write the plan for the change board: .xlsx or "
                                                   ".csv (repeatable).")] = None,
    objective: Annotated[str, typer.Option(help="What the wave order optimises: cash-12m, cash-36m (net cash flow "
                                           "over 12 / 36 months) or risk-first.")] = "cash-12m",
    no_production_before: Annotated[int | None, typer.Option(min=0, help="No production system before wave N.")]
    = None,
    max_production_per_wave: Annotated[int | None, typer.Option(min=1, help="Most production systems in a wave.")]
    = None,
) -> None:
    """Group dependent systems and pack them into dated waves; started and frozen waves are kept."""
    options = _options(ctx)
    with errors_handled(options):
        from flows.plan_store import parse_pin

        start_date = _date_option("--start", start) if start else None
        blackouts = [day for text in blackout or [] for day in _blackout_days(text)]
        pins = [parse_pin(text) for text in pin or []]
        for path in out or []:
            if path.suffix.lower() not in (".csv", ".xlsx"):
                raise BadInputError.single(str(path), "the plan export must be a .csv or .xlsx file")
        from flows.parameters import PlanParameters

        fields: dict[str, Any] = {"start": start_date} if start_date else {}
        params = PlanParameters(max_systems=max_systems, max_tb=max_tb, cadence_days=cadence_days,
                                blackout=blackouts, pilot_max_systems=pilot_max_systems, pins=pins,
                                pin_reason=reason, freeze=list(freeze or []),
                                out=[str(path.resolve()) for path in out or []], objective=objective,
                                no_production_before=no_production_before,
                                max_production_per_wave=max_production_per_wave, **fields)
        start_work(options)
        from flows.plan_flow import plan_flow

        result = run_flow(options, plan_flow, params=params, run_name=f"plan {params.objective}")

    def render(console: Console) -> None:
        console.print(f"Planned [bold]{result.planned_systems}[/] systems into {result.waves} waves "
                      f"({result.first_wave} to {result.last_wave}); {result.excluded} excluded "
                      f"(retire/retain), {result.groups} move groups")
        for row in result.quality:
            console.print(f"  {result.objective}, {row['horizon_months']} months: net {row['chosen_net']:,.0f} USD; "
                          f"naive order {row['naive_net']:,.0f} (x{row['chosen_vs_naive']}); upper bound "
                          f"{row['bound_net']:,.0f} ({row['chosen_vs_bound']} of it)", soft_wrap=True)
        for line in result.oversized:
            console.print(f"  [yellow]oversized:[/] {line}", soft_wrap=True)
        for line in result.losing_groups:
            console.print(f"  [yellow]loses money:[/] {line}", soft_wrap=True)
        for warning in result.warnings:
            console.print(f"  [yellow]warning:[/] {warning}", soft_wrap=True)
        for path in result.files:
            console.print(f"  wrote {path}")

    emit(options, {"ok": True, **result.model_dump(mode="json")}, render)


# A change freeze longer than this is more likely a typo in a year than a freeze.
_MAX_FREEZE_DAYS = 366


def _blackout_days(text: str) -> list[dt.date]:
    """One --blackout: a day, or a change freeze FROM..TO with both days included."""
    if ".." not in text:
        return [_date_option("--blackout", text)]
    first_text, _, last_text = text.partition("..")
    first, last = _date_option("--blackout", first_text.strip()), _date_option("--blackout", last_text.strip())
    days = (last - first).days + 1
    if days < 1:
        raise BadInputError.single("--blackout", f"a change freeze ends on or after it starts, got {text!r}")
    if days > _MAX_FREEZE_DAYS:
        raise BadInputError.single("--blackout", f"a change freeze of {days} days ({text!r}) is longer than "
                                   f"{_MAX_FREEZE_DAYS}: check the years")
    return [first + dt.timedelta(days=offset) for offset in range(days)]


def _date_option(option: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise BadInputError.single(option, f"expected a date as YYYY-MM-DD, got {text!r}") from e


SimFault = Annotated[list[str] | None, typer.Option("--sim-fault", help="Simulator: inject a fault, "
                                                  "SYSTEM:STEP[:fail|transient|crash] (repeatable).")]
BackendOption = Annotated[str | None, typer.Option(help="simulator or azure (ARM deployments; subscription and "
                                                   "credentials from the environment, see docs/azure.md). "
                                                   "Default: simulator, or the backend of the wave's last run.")]
AdapterOption = Annotated[str, typer.Option("--adapter", help="Azure: who replicates and cuts over: shell (the "
                                            "--adapters file) or simulator (a rehearsal).")]
AdaptersOption = Annotated[Path | None, typer.Option("--adapters", help="Azure, shell adapter: YAML of one command "
                                                     "per operation (replicate, cutover, ...).")]
GroupOption = Annotated[str, typer.Option("--resource-group", help="Azure: the resource group of a wave ({wave} "
                                          "is its number).")]


def _backend_fields(options: Options, wave: int, backend: str | None, adapter: str, adapters: Path | None,
                    resource_group: str) -> dict[str, Any]:
    """The backend part of a wave's parameters; without --backend, the backend of the wave's last run (a
    rollback or retry acts where the run acted)."""
    if backend is None:
        backend = _last_backend(options, wave) or "simulator"
    if backend not in ("simulator", "azure"):
        raise BadSettingsError(f"--backend: {backend!r} is not simulator or azure")
    if adapters is not None and not adapters.is_file():
        raise BadSettingsError(f"--adapters: {adapters} is not a file")
    return {"backend": backend, "azure_adapter": adapter,
            "azure_adapters_file": str(adapters.resolve()) if adapters else None,
            "azure_resource_group": resource_group}


def _last_backend(options: Options, wave: int) -> str | None:
    from flows.execution.runs import latest_run
    from inventory.db import session_scope
    from inventory.errors import NotFoundError

    try:
        with session_scope(options.db_url) as session:
            return latest_run(wave, session=session).backend
    except NotFoundError:
        return None


def _azure_dry_run(options: Options, params: Any, runbook: Any) -> None:
    """The runbook and, per provisioning workload, ARM's what-if: read-only, no Prefect."""
    from flows.execution.azure_backend import dry_run_what_if

    lines = dry_run_what_if(params, runbook, db_url=options.db_url)

    def render(console: Console) -> None:
        console.print(str(runbook), markup=False, soft_wrap=True)
        console.print("\nWhat-if (nothing was created):")
        for line in lines:
            console.print(f"  {line.system} ({line.where})" + (f": {line.problem}" if line.problem else ""),
                          markup=False, soft_wrap=True)
            for change in line.changes:
                console.print(f"    {change['change']:<9} {change['resource']}"
                              + (f"  ({change['changed']})" if change.get("changed") else ""), markup=False,
                              soft_wrap=True)

    emit(options, {"ok": True, "wave": params.wave, "dry_run": True, "runbook": str(runbook),
                   "what_if": [{"system": line.system, "where": line.where, "problem": line.problem,
                                "changes": [dict(change) for change in line.changes]} for line in lines]}, render)


def _wave_parameters(wave: int, **fields: Any) -> Any:
    from flows.parameters import RunWaveParameters

    return RunWaveParameters(wave=wave, **{key: value for key, value in fields.items() if value is not None})


def _print_wave_outcome(console: Console, result: RunWaveOutcome) -> None:
    from flows.execution.results import MOVED

    if result.dry_run:
        console.print(result.runbook, markup=False, soft_wrap=True)
        return
    verb = "resumed" if result.resumed else "ran"
    console.print(f"Wave [bold]{result.wave}[/] run {result.run_id} ({verb}): [bold]{result.status}[/]; "
                  f"{result.migrated} of {result.workloads} migrated, {result.rolled_back} rolled back, "
                  + (f"{result.rejected} rejected and rolled back, " if result.rejected else "")
                  + f"{result.failed} failed, {result.awaiting_approval} waiting for approval"
                  + (f", {result.not_started} not started" if result.not_started else ""))
    for line in result.results:
        if line.outcome not in MOVED:
            detail = f" at {line.failed_step}: {line.error}" if line.failed_step else ""
            left = f" [red]left behind: {', '.join(line.left_behind)}[/]" if line.left_behind else ""
            console.print(f"  {line.system}: {line.outcome.value.replace('_', ' ')}{detail}{left}", soft_wrap=True)


def _run_wave_flow(options: Options, flow_name: str, params: Any) -> RunWaveOutcome:
    """Run the run-wave or rollback-wave flow; a failed run still prints what happened to each workload."""
    from flows.execution.results import WaveRunFailed, outcome_of
    from flows.execution.runs import next_run_name
    from flows.execution.wave_flow import rollback_wave_flow, run_wave_flow
    from inventory.db import session_scope

    flow_fn = run_wave_flow.with_options(task_runner=_thread_pool(params.max_workers)) if flow_name == "run" \
        else rollback_wave_flow
    with session_scope(options.db_url) as session:
        name = next_run_name(params.wave, session=session) if flow_name == "run" else \
            f"wave-{params.wave} rollback" + (" (dry run)" if params.dry_run else "")
    try:
        return outcome_of(run_flow(options, flow_fn, params=params, return_state=True, run_name=name))
    except WaveRunFailed as e:
        outcome = e.outcome
        emit(options, {"ok": False, **outcome.model_dump(mode="json")},
             lambda console: _print_wave_outcome(console, outcome))
        raise typer.Exit(EXIT_FAILED) from e


def _thread_pool(workers: int) -> Any:
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=workers)


@app.command("run-wave")
def run_wave_command(
    ctx: typer.Context,
    wave: Annotated[int, typer.Argument(help="Wave number (see `lumen-migrate status`).")],
    backend: BackendOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the runbook (on Azure with every workload's "
                                          "what-if) and stop; creates nothing, never starts Prefect.")] = False,
    on_failure: Annotated[str, typer.Option(help="continue, rollback-workload or rollback-wave.")]
    = "rollback-workload",
    max_failures: Annotated[int | None, typer.Option(min=0, help="Stop starting workloads after N failures.")] = None,
    max_workers: Annotated[int, typer.Option(min=1, max=64, help="Workloads at the same time.")] = 8,
    approval_timeout_hours: Annotated[float, typer.Option(help="How long production workloads wait for "
                                                          "approval before they are rolled back.")] = 24.0,
    sim_state: Annotated[Path, typer.Option(help="Simulator: its state folder.")] = Path("lumen-simulator"),
    sim_seed: Annotated[int, typer.Option(help="Simulator: seed of latencies and random faults.")] = 0,
    sim_fault: SimFault = None,
    sim_failure_probability: Annotated[float, typer.Option(min=0.0, max=1.0, help="Simulator: chance that any "
                                                           "step fails.")] = 0.0,
    sim_latency_ms: Annotated[float, typer.Option(min=0.0, help="Simulator: latency per step.")] = 0.0,
    adapter: AdapterOption = "shell",
    adapters: AdaptersOption = None,
    resource_group: GroupOption = "lm-wave-{wave}",
) -> None:
    """Execute a wave stage by stage (preflight ... finalize), with approval gates, compensation and resume."""
    options = _options(ctx)
    with errors_handled(options):
        params = _wave_parameters(wave, **_backend_fields(options, wave, backend, adapter, adapters, resource_group),
                                  dry_run=dry_run, on_failure=on_failure,
                                  max_failures=max_failures, max_workers=max_workers,
                                  approval_timeout_hours=approval_timeout_hours,
                                  simulator_state=str(sim_state.resolve()), simulator_seed=sim_seed,
                                  simulator_faults=list(sim_fault or []),
                                  simulator_failure_probability=sim_failure_probability,
                                  simulator_latency_ms=sim_latency_ms)
        runbook = _check_wave(options, wave)
        if dry_run and params.backend == "azure":
            _azure_dry_run(options, params, runbook)
            return
        if dry_run:
            emit(options, {"ok": True, "wave": wave, "dry_run": True, "runbook": str(runbook)},
                 lambda console: console.print(str(runbook), markup=False, soft_wrap=True))
            return
        _check_gates_answerable(runbook)
        start_work(options)
        result = _run_wave_flow(options, "run", params)
    emit(options, {"ok": True, **result.model_dump(mode="json")}, lambda console: _print_wave_outcome(console, result))


def _check_wave(options: Options, wave: int) -> Any:
    """The wave's runbook, read before Prefect starts: an unknown wave or bad stored edits is said at once."""
    from flows.execution.runs import load_runbook
    from inventory.db import DatabaseError, session_scope
    from inventory.errors import NotFoundError

    try:
        with session_scope(options.db_url) as session:
            return load_runbook(wave, session=session)[1]
    except NotFoundError as e:
        raise BadSettingsError(str(e)) from e
    except DatabaseError as e:
        raise BadSettingsError(str(e)) from e


def _check_gates_answerable(runbook: Any) -> None:
    from flows.local_server import running_api_url

    if runbook.production_gates and not running_api_url():
        raise BadSettingsError(
            f"wave {runbook.wave_number} has production workloads that wait for approval before cutover, and "
            "only a running Prefect server can take that answer: run `lumen-migrate server start` (or set "
            "PREFECT_API_URL to your Prefect server); progress then shows in the UI too")


@app.command("runbook")
def runbook_command(
    ctx: typer.Context,
    wave: Annotated[int, typer.Argument(help="Wave number.")],
    edits: Annotated[Path | None, typer.Option("--edits", help="YAML of runbook edits to store as the wave's next "
                                               "version (added manual/approve/shell steps, dropped optional ones; "
                                               "see docs/execution.md).")] = None,
    comment: Annotated[str, typer.Option(help="Why the edits (stored with the version).")] = "",
) -> None:
    """Show a wave's runbook, or store a new version of its edits (checked against the wave first)."""
    import getpass

    import yaml

    options = _options(ctx)
    with errors_handled(options):
        from flows.execution.runs import load_runbook, save_edits
        from inventory.db import session_scope
        from migrations_plan.execution import RunbookEdits

        _check_wave(options, wave)
        version = None
        if edits is not None:
            if not edits.is_file():
                raise BadInputError.single(str(edits), "file not found")
            try:
                data = yaml.safe_load(edits.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as e:
                raise BadInputError.single(str(edits), f"not valid YAML: {e}") from e
            if not isinstance(data, dict):
                raise BadInputError.single(str(edits), "expected a mapping with added / dropped / dropped_for")
            parsed = RunbookEdits.from_dict(data, source=str(edits))
            with session_scope(options.db_url) as session:
                version = save_edits(wave, parsed, author=getpass.getuser(), comment=comment, session=session)
        with session_scope(options.db_url) as session:
            runbook = load_runbook(wave, session=session)[1]
    emit(options, {"ok": True, "wave": wave, "version": runbook.version, "stored": version is not None,
                   "runbook": str(runbook)},
         lambda console: console.print((f"Stored runbook version {version}.\n" if version else "") + str(runbook),
                                       markup=False, soft_wrap=True))


@app.command("approve")
def approve_command(
    ctx: typer.Context,
    wave: Annotated[int, typer.Argument(help="Wave number whose run waits for approval.")],
    system: Annotated[list[str] | None, typer.Option("--system", help="A waiting workload this answer is for "
                                                     "(repeatable).")] = None,
    all_waiting: Annotated[bool, typer.Option("--all", help="Answer for every workload waiting now (instead of "
                                              "--system).")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject instead: the workloads are rolled back.")]
    = False,
    comment: Annotated[str, typer.Option(help="Why.")] = "",
    change_ref: Annotated[str, typer.Option(help="The change ticket, e.g. CHG-1042 (required when a production "
                                            "workload waits).")] = "",
    approver: Annotated[str, typer.Option(help="Who approves (default: your user name).")] = "",
) -> None:
    """Answer a paused wave run's approval gate for named workloads (as the Resume form in the Prefect UI does)."""
    import getpass

    options = _options(ctx)
    with errors_handled(options):
        from flows.execution.runs import latest_run, waiting_at_gates
        from flows.local_server import running_api_url
        from inventory.db import session_scope
        from inventory.errors import NotFoundError
        from inventory.tables import RunStatus

        if not running_api_url():
            raise BadSettingsError("approvals go to the Prefect server the run waits on, and none runs: "
                                   "`lumen-migrate server start`, or set PREFECT_API_URL")
        try:
            with session_scope(options.db_url) as session:
                run = latest_run(wave, session=session)
                assert run.id is not None
                waiting = waiting_at_gates(run.id, session=session)
        except NotFoundError as e:
            raise BadSettingsError(str(e)) from e
        if run.status != RunStatus.PAUSED.value or not run.flow_run_id or not waiting:
            raise BadSettingsError(f"wave {wave} run {run.id} is {run.status}, not waiting for approval")
        chosen = list(waiting) if all_waiting else list(dict.fromkeys(system or []))
        if not chosen or (system and all_waiting):
            raise BadInputError.single("--system", "name the workloads this answer is for (--system, repeatable) "
                                       f"or --all; waiting: {', '.join(waiting)}")
        unknown = [name for name in chosen if name not in waiting]
        if unknown:
            raise BadInputError.single("--system", f"not waiting for approval in wave {wave}: {', '.join(unknown)}; "
                                       f"waiting: {', '.join(waiting)}")
        if any(waiting[name] == "production" for name in waiting) and not change_ref.strip():
            raise BadInputError.single("--change-ref", "production workloads wait: the answer needs the change "
                                       "reference (e.g. --change-ref CHG-1042)")
        answer = {"decision": "reject" if reject else "approve", "systems": chosen,
                  "approver": approver.strip() or getpass.getuser(), "comment": comment,
                  "change_reference": change_ref.strip()}
        start_work(options)
        from uuid import UUID

        from prefect.flow_runs import resume_flow_run

        try:
            resume_flow_run(UUID(run.flow_run_id), run_input=answer)
        except RuntimeError as e:  # the server refused the answer against the pause's form: say why
            raise BadSettingsError(f"the Prefect server refused the answer: {e}") from e
    verb = "rejected" if reject else "approved"
    emit(options, {"ok": True, "wave": wave, "run_id": run.id, "answer": answer},
         lambda console: console.print(f"Wave {wave} run {run.id}: {verb} {', '.join(chosen)}; the run goes on"))


@app.command("rollback")
def rollback_command(
    ctx: typer.Context,
    wave: Annotated[int, typer.Argument(help="Wave number.")],
    system: Annotated[list[str] | None, typer.Option("--system", help="Only this workload (repeatable).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what the rollback would undo, workload by "
                                          "workload, and stop: changes nothing, never starts Prefect.")] = False,
    reason: Annotated[str, typer.Option(help="Why (required to fail back production workloads already cut "
                                        "over; journaled).")] = "",
    change_ref: Annotated[str, typer.Option(help="The change ticket allowing it, e.g. CHG-1042 (required to fail "
                                            "back production workloads).")] = "",
    approver: Annotated[str, typer.Option(help="Who authorises it (default: your user name).")] = "",
    confirm: Annotated[int | None, typer.Option("--confirm", help="The wave number again, confirming a rollback "
                                                "that fails production back (asked for at a terminal).")] = None,
    sim_state: Annotated[Path, typer.Option(help="Simulator: its state folder.")] = Path("lumen-simulator"),
    backend: BackendOption = None,
    adapter: AdapterOption = "shell",
    adapters: AdaptersOption = None,
    resource_group: GroupOption = "lm-wave-{wave}",
) -> None:
    """Undo, from the journal, what the wave's latest run did: cut-over workloads are failed back. Production
    workloads already cut over need --reason, --change-ref and the wave number confirmed."""
    import getpass

    options = _options(ctx)
    with errors_handled(options):
        from flows.execution.rollback import RollbackAuthorisation, authorisation_problem
        from flows.parameters import RollbackParameters

        fields = _backend_fields(options, wave, backend, adapter, adapters, resource_group)
        params = RollbackParameters(wave=wave, systems=list(system or []), dry_run=dry_run, reason=reason.strip(),
                                    change_reference=change_ref.strip(), approver=approver.strip()
                                    or getpass.getuser(), confirm_wave=confirm,
                                    simulator_state=str(sim_state.resolve()), **fields)
        planned = _rollback_plan(options, params)
        if dry_run:
            emit(options, {"ok": True, "wave": wave, "dry_run": True, "plan": str(planned),
                           "workloads": planned.rows()},
                 lambda console: console.print(str(planned), markup=False, soft_wrap=True))
            return
        if planned.production_cut_over and params.reason and params.change_reference and confirm is None \
                and sys.stdin.isatty() and not options.json:
            options.console.print(str(planned), markup=False, soft_wrap=True)
            params = params.model_copy(update={"confirm_wave": typer.prompt(
                f"This fails back {len(planned.production_cut_over)} production workload(s). Type the wave number "
                "to confirm", type=int)})
        problem = authorisation_problem(planned, RollbackAuthorisation(
            params.approver, params.reason, params.change_reference, params.confirm_wave))
        if problem:
            raise BadInputError.single("rollback", problem + " (--reason, --change-ref, --confirm WAVE)")
        start_work(options)
        result = _run_wave_flow(options, "rollback", params)
    emit(options, {"ok": True, **result.model_dump(mode="json")}, lambda console: _print_wave_outcome(console, result))


def _rollback_plan(options: Options, params: Any) -> Any:
    """What rolling back the wave's latest run would undo, read from the journal before Prefect starts."""
    from flows.execution.rollback import plan_rollback
    from flows.execution.runs import RunHandle, latest_run, names_to_ids
    from inventory.db import session_scope
    from inventory.errors import NotFoundError

    runbook = _check_wave(options, params.wave)
    try:
        with session_scope(options.db_url) as session:
            run = latest_run(params.wave, session=session)
    except NotFoundError as e:
        raise BadSettingsError(str(e)) from e
    assert run.id is not None
    only = names_to_ids(runbook, params.systems) if params.systems else None
    return plan_rollback(RunHandle(run.id, run.wave_id, params.wave, True, runbook), db_url=options.db_url, only=only)


@app.command("retry")
def retry_command(
    ctx: typer.Context,
    wave: Annotated[int, typer.Argument(help="Wave number.")],
    system: Annotated[str, typer.Option("--system", help="The workload to retry.")],
    step: Annotated[str, typer.Option("--step", help="The step that failed (e.g. cutover).")],
    sim_state: Annotated[Path, typer.Option(help="Simulator: its state folder.")] = Path("lumen-simulator"),
    sim_fault: SimFault = None,
    backend: BackendOption = None,
    adapter: AdapterOption = "shell",
    adapters: AdaptersOption = None,
    resource_group: GroupOption = "lm-wave-{wave}",
) -> None:
    """Run a failed workload again from its failed step (finished steps are not redone)."""
    options = _options(ctx)
    with errors_handled(options):
        _check_retry(options, wave, system, step)
        params = _wave_parameters(wave, **_backend_fields(options, wave, backend, adapter, adapters, resource_group),
                                  systems=[system], on_failure="continue",
                                  simulator_state=str(sim_state.resolve()), simulator_faults=list(sim_fault or []))
        start_work(options)
        result = _run_wave_flow(options, "run", params)
    emit(options, {"ok": True, **result.model_dump(mode="json")}, lambda console: _print_wave_outcome(console, result))


def _check_retry(options: Options, wave: int, system: str, step: str) -> None:
    from flows.execution.journal import Action, Event, Journal
    from flows.execution.runs import latest_run

    runbook = _check_wave(options, wave)
    try:
        plan = runbook.workload(system)
    except KeyError as e:
        raise BadSettingsError(f"--system: {system!r} is not a workload of wave {wave}") from e
    from inventory.db import session_scope

    with session_scope(options.db_url) as session:
        run = latest_run(wave, session=session)
    assert run.id is not None
    state = Journal(options.db_url, run_id=run.id, wave_id=run.wave_id).state(plan.workload.system_id)
    failed = [key for key, record in state.items() if key[2] is Action.DO and record.event is Event.FAILED]
    names = [key[1].split("/", 1)[1] for key in failed]
    if step not in names:
        raise BadSettingsError(f"--step: {system} has no failed step {step!r} in run {run.id}"
                               + (f" (failed: {', '.join(names)})" if names else " (nothing failed)"))


report_app = typer.Typer(help="Reports for finance.", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("savings")
def report_savings_command(
    ctx: typer.Context,
    months: Annotated[int, typer.Option(min=1, max=120, help="Horizon in months.")] = 12,
    start: Annotated[str | None, typer.Option(help="First month, YYYY-MM-DD (default: this month).")] = None,
    scenario: Annotated[str | None, typer.Option(help="payg, ri1y, ri3y, payg_ahb, ri1y_ahb or ri3y_ahb (default: "
                                                 "the latest assessment's savings option and AHB).")] = None,
    fmt: Annotated[list[str] | None, typer.Option("--format", help="csv, xlsx, json or html (repeatable; "
                                                  "default xlsx and html).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the report files (savings.<format>, replaced "
                                                    "when there).")] = Path("reports"),
    assumptions: Annotated[Path | None, typer.Option(help="YAML/CSV of cost assumptions overriding the "
                                                     "documented defaults.")] = None,
    currency: CurrencyOption = None,
    rates: RatesOption = None,
) -> None:
    """The monthly cash-flow projection: legacy avoided, Azure added, one-time costs, payback, NPV.

    The files and the printed figures are in --currency (default: the latest assessment's), the rate and its date
    stated in every file.
    """
    from flows.money_display import converted_json, display_conversion, money_text, rate_note, stored_currency

    options = _options(ctx)
    with errors_handled(options):
        shown = display_conversion(currency or stored_currency(options.db_url), rates)
        start_date = _date_option("--start", start).replace(day=1) if start else None
        if assumptions is not None:
            from migrations_plan.savings import default_assumptions, load_assumptions

            if not assumptions.is_file():
                raise BadInputError.single(str(assumptions), "file not found")
            load_assumptions(assumptions, base=default_assumptions())  # every problem of the file, up front
        from flows.parameters import ReportParameters

        # Paths as the user means them, from the working folder (the flow puts relative ones under the files
        # folder); the user picked the folder, so the files keep their plain names and a new run replaces them.
        params = ReportParameters(months=months, start=start_date, scenario=scenario,
                                  formats=list(fmt or ["xlsx", "html"]), out_dir=str(out.expanduser().absolute()),
                                  name="savings", replace=True, currency=currency,
                                  assumptions=str(assumptions.absolute()) if assumptions else None,
                                  rates=str(rates.absolute()) if rates else None)
        start_work(options)
        from flows.report_flow import report_flow

        result = run_flow(options, report_flow, params=params, run_name=f"savings {params.months} months")

    def render(console: Console) -> None:
        at = f" ({rate_note(shown)})" if shown else ""
        console.print(f"Savings from {result.start:%Y-%m} over {result.months} months ({result.scenario}):")
        console.print(f"  net cash flow, first 12 months: [bold]{money_text(shown, result.net_12_months)}[/]; "
                      f"payback month: {result.payback_month or 'not within the horizon'}; "
                      f"NPV {money_text(shown, result.npv)}{at}")
        console.print(f"  run rate: legacy {money_text(shown, result.legacy_monthly)}/month today, Azure "
                      f"{money_text(shown, result.azure_monthly)}/month once moved{at}")
        if result.assessment:
            console.print(f"  Azure prices from {result.assessment}", markup=False)
        if result.unpriced_systems:
            console.print(f"  [yellow]{result.unpriced_systems} moving system(s) have no Azure price and are left "
                          "out of the cash flow[/]")
        for path in result.files:
            console.print(f"  wrote {path} ({result.files_currency})")

    converted = converted_json(shown, {key: getattr(result, key) for key in (
        "net_12_months", "net_horizon", "npv", "realised_net_horizon", "legacy_monthly", "azure_monthly")})
    emit(options, {"ok": True, **result.model_dump(mode="json"), **converted}, render)


@app.command("serve")
def serve_command(ctx: typer.Context) -> None:
    """Serve every flow as a Prefect deployment (forms in the UI, finance's monthly report on a schedule).

    Runs until interrupted. Point PREFECT_API_URL at your Prefect server so the UI and schedules outlive this
    process; without it, Prefect's temporary server lives only as long as `serve` does.
    """
    options = _options(ctx)
    with errors_handled(options):
        start_work(options)
        from prefect import serve

        from flows.deployments import build_deployments
        from flows.settings import get_settings

        # Served runs execute in child processes: the settings reach them through the environment.
        os.environ.update(get_settings().as_environment())

        deployments = build_deployments()
        options.console.print(f"Serving {len(deployments)} deployments on "
                              f"{os.environ.get('PREFECT_API_URL') or 'a temporary Prefect server'}; "
                              f"database {redact_url(options.db_url)}. Ctrl-C to stop.")
        serve(*deployments, print_starting_message=False)


catalog_app = typer.Typer(help="The Azure price catalog used by assessment.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("show")
def catalog_show_command(ctx: typer.Context) -> None:
    """The catalog in use: its date, sources and coverage (never starts Prefect)."""
    from migrations_plan.pricing.store import active_catalog_path, load_catalog

    options = _options(ctx)
    with errors_handled(options):
        path = active_catalog_path()
        catalog = load_catalog(path)
    services = {"managed_disks": sorted(catalog.disks), "sql_database": sorted(catalog.sql_db),
                "app_service": sorted(catalog.app_service)}
    payload = {"ok": True, "path": str(path), "as_of": catalog.as_of.isoformat(), "currency": catalog.currency,
               "regions": len(catalog.regions()), "vm_sizes": len(catalog.vm_sizes()),
               "service_regions": services, "sources": list(catalog.sources)}

    def render(console: Console) -> None:
        console.print(f"Price catalog {path}")
        console.print(f"  dated {catalog.as_of}, {catalog.currency}, {payload['regions']} regions, "
                      f"{payload['vm_sizes']} VM sizes")
        for label, key in (("managed disks", "managed_disks"), ("SQL Database", "sql_database"),
                           ("App Service", "app_service")):
            console.print(f"  {label} priced in: {', '.join(services[key]) or 'no region'}", soft_wrap=True)
        if not all(set(found) >= set(catalog.regions()) for found in services.values()):
            console.print("  (elsewhere VMs only: `lumen-migrate catalog refresh --region REGION` fetches the rest)")
        for source in catalog.sources:
            console.print(f"  - {source}", soft_wrap=True)

    emit(options, payload, render)


@catalog_app.command("refresh")
def catalog_refresh_command(
    ctx: typer.Context,
    region: Annotated[list[str] | None, typer.Option(
        "--region", help=f"Region to refresh (repeatable; default {DEFAULT_REGION}).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Catalog file to write (default: "
                                             "lumen-migrate-catalog.json.gz here, or $LUMEN_MIGRATE_CATALOG).")] = None,
) -> None:
    """Fetch current VM, managed-disk, SQL Database and App Service prices from the Azure Retail Prices API.
    Offline, the old catalog is kept unchanged."""
    options = _options(ctx)
    with errors_handled(options):
        try:
            from migrations_plan.pricing.refresh import check_regions

            regions = list(check_regions(region or [DEFAULT_REGION]))
        except ValueError as e:
            raise BadInputError.single("--region", str(e)) from e
        from flows.parameters import CatalogParameters

        params = CatalogParameters(regions=regions, out=str(out.resolve()) if out else None)
        start_work(options, database=False)
        from flows.catalog_flow import refresh_price_catalog

        result = run_flow(options, refresh_price_catalog, params=params, run_name="catalog refresh")
    emit(options, {"ok": True, **result.model_dump(mode="json")},
         lambda console: console.print(result.message, soft_wrap=True))


compare_app = typer.Typer(help="Our assessment beside another tool's (read-only: never starts Prefect).",
                          no_args_is_help=True)
app.add_typer(compare_app, name="compare")


@compare_app.command("azure-migrate")
def compare_azure_migrate_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Azure Migrate Export's Core Report workbook "
                                         "(AzureMigrate_Assessment_Core_Report.xlsx).")],
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write the comparison to this .xlsx file.")] = None,
    currency: Annotated[str | None, typer.Option(
        "--currency", help="Compare in this currency (default: the workbook's); both sides are converted with "
        "the rate table, the rates and their dates are printed.")] = None,
    rates: RatesOption = None,
    tolerance: Annotated[float, typer.Option(min=0.0, max=1.0, help="Costs agree within this share of "
                                             "Microsoft's figure.")] = 0.10,
) -> None:
    """Our size and monthly cost beside Azure Migrate's, machine by machine: agreement rates, totals, machines on one
    side only, and why we differ. Reads the workbook and the database; writes only --xlsx."""
    from flows.assessment_store import last_run_settings
    from flows.compare_view import load_compared_systems
    from flows.money_display import rate_table_for
    from flows.reports.compare_files import comparison_json, write_comparison_xlsx
    from inventory.db import DatabaseError, session_scope
    from migrations_plan.compare import OurRun, compare, parse
    from migrations_plan.compare.azure_migrate import size_key
    from migrations_plan.pricing.currency import UnknownCurrencyError
    from migrations_plan.pricing.store import active_catalog_path, load_catalog

    options = _options(ctx)
    with errors_handled(options):
        table = rate_table_for(rates)
        if currency is not None:
            table.get(currency)
        if xlsx is not None and xlsx.suffix.lower() != ".xlsx":
            raise BadInputError.single(str(xlsx), "the comparison export must be an .xlsx file")
        if xlsx is not None and (xlsx.resolve() == path.resolve()
                                 or (xlsx.exists() and path.exists() and xlsx.samefile(path))):
            raise BadInputError.single(str(xlsx), f"--xlsx names the workbook being compared ({path}): writing the "
                                       "comparison there would overwrite it; name another file")
        workbook = parse(path)
        try:
            table.get(workbook.currency or "USD")
        except UnknownCurrencyError as e:
            raise UnknownCurrencyError(f"{path}: the workbook's amounts are in {workbook.currency}; {e}") from e
        shown = (currency or workbook.currency or "USD").strip().upper()
        try:
            with session_scope(options.db_url) as session:
                ours = load_compared_systems(session=session)
                last_run = last_run_settings(session=session)
        except DatabaseError as e:
            raise BadSettingsError(str(e)) from e
        if not ours:
            raise BadSettingsError("nothing to compare: no assessed systems (run `lumen-migrate assess` first)")
        specs = {size_key(size.name): (size.vcpus, size.memory_gib)
                 for size in load_catalog(active_catalog_path()).vm_sizes()}
        result = compare(ours, workbook, our_conversion=table.conversion("USD", shown),
                         their_conversion=table.conversion(workbook.currency or "USD", shown), size_specs=specs,
                         tolerance=tolerance, our_run=OurRun(*last_run) if last_run is not None else None)
        written = write_comparison_xlsx(result, xlsx, warnings=workbook.warnings) if xlsx else None
    files = [str(written)] if written else []
    emit(options, {"ok": True, **comparison_json(result, warnings=workbook.warnings), "files": files},
         lambda console: render_comparison(console, result, workbook.warnings, files))


def render_comparison(console: Console, result: Any, warnings: tuple[str, ...], files: list[str]) -> None:
    """One table row per machine on both sides, then why they differ, agreement rates, totals and the rest."""
    from rich.markup import escape

    from migrations_plan.pricing.currency import format_money

    code = result.currency

    def money(value: float | None) -> str:
        return "-" if value is None else format_money(value, code)

    def amount(value: float | None) -> str:
        return "-" if value is None else f"{value:,.0f}"

    def size(value: str | None) -> str:
        return escape(value.removeprefix("Standard_")) if value else "-"

    def shape(vcpus: int | None, memory: float | None) -> str:
        return "-" if vcpus is None or memory is None else f"{vcpus}/{memory:g}"

    def agrees(m: Any) -> str:
        flags = (("size", m.same_size), ("vCPU+GiB", m.same_shape), ("cost", m.cost_within))
        found = [name for name, flag in flags if flag]
        compared = [flag for _, flag in flags if flag is not None]
        return ", ".join(found) if found else ("[red]none[/]" if compared else "-")

    ours_from = f"ours from {result.our_run}" if result.our_run is not None else "our assessment run not known"
    table = Table(title=escape(f"Ours beside Azure Migrate ({result.workbook}); per month, {code}; sizes "
                               f"without Standard_\n{ours_from}"), title_justify="left")
    for column in ("machine", "our size", "MS size", "ours vCPU/GiB", "MS vCPU/GiB", "ours", "MS", "diff",
                   "agree on"):
        table.add_column(column, justify="right" if column in ("ours", "MS", "diff") else "left", overflow="fold")
    for m in result.machines:
        share = m.difference_share
        table.add_row(escape(m.ours.name), size(m.ours.size), size(m.theirs.recommended_size),
                      shape(m.ours.vcpus, m.ours.memory_gib), shape(m.their_vcpus, m.their_memory_gib),
                      amount(m.our_monthly), amount(m.their_monthly), "-" if share is None else f"{share:+.0%}",
                      agrees(m))
    console.print(table)
    differing = [m for m in result.machines if m.reasons]
    if differing:
        console.print("Why we differ:")
        for m in differing:
            console.print(f"  {m.ours.name}: " + "; ".join(m.reasons), markup=False, soft_wrap=True)
    console.print(f"Agreement: same size {result.same_size}; same vCPU and memory {result.same_shape}; cost within "
                  f"{result.tolerance:.0%} {result.cost_within}")
    both = result.both_priced
    console.print(f"Totals ({both.machines} machines priced on both sides): ours {money(both.ours)}/month, "
                  f"Microsoft {money(both.theirs)}/month, difference {money(both.difference)}/month", soft_wrap=True)
    console.print(f"  ours: {result.our_conversion}", markup=False, soft_wrap=True)
    console.print(f"  Microsoft's: {result.their_conversion}", markup=False, soft_wrap=True)
    for label, names in (("only ours", [s.name for s in result.only_ours]),
                         ("only Microsoft's", [t.name for t in result.only_theirs])):
        if names:
            listed = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
            console.print(f"{label} ({len(names)}): {listed}", markup=False, soft_wrap=True)
    for text in result.ambiguous:
        console.print(f"[yellow]ambiguous name, not matched:[/] {escape(text)}", soft_wrap=True)
    for warning in warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    for path in files:
        console.print(f"wrote {path}")


server_app = typer.Typer(
    help="One local Prefect server for every command: runs stay in its UI, and work commands skip the temporary "
    "server's start (about 10 s). Its state file and log are lumen-migrate-server.json and .log in PREFECT_HOME "
    "(default ~/.prefect). PREFECT_API_URL, when set, still wins.", no_args_is_help=True)
app.add_typer(server_app, name="server")


def _server_waiting(options: Options) -> Callable[[str], Any]:
    """A spinner on stderr while the server starts or stops; nothing with --json."""
    status_console = Console(stderr=True, highlight=False)
    return lambda message: nullcontext() if options.json else status_console.status(message, spinner="dots")


def _other_api_url_note(api_url: str) -> str | None:
    named = os.environ.get("PREFECT_API_URL")
    if named and named.rstrip("/") != api_url:
        return f"note: PREFECT_API_URL is set ({named}): commands use that server, not this one, while it is set"
    return None


@server_app.command("start")
def server_start_command(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 4200,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for it to answer.")] = 180,
) -> None:
    """Start a local Prefect server in the background (UI on); later commands use it until `server stop`."""
    from flows.local_server import LocalServerError, running_server, start_server, state_path

    options = _options(ctx)
    with errors_handled(options):
        server = running_server()
        already = server is not None
        if server is None:
            try:
                server = start_server(host=host, port=port, timeout=timeout, waiting=_server_waiting(options))
            except LocalServerError as e:
                fail(options, str(e), code=EXIT_FAILED,
                     hint="the log says why; on a busy machine a first start can take minutes: raise --timeout")
    note = _other_api_url_note(server.api_url)

    def render(console: Console) -> None:
        if already:
            console.print(f"A local Prefect server is already running at {server.address} (pid {server.pid}); "
                          f"its UI: {server.ui_url}", soft_wrap=True)
        else:
            console.print(f"Prefect server started at {server.address} (pid {server.pid}); its log: "
                          f"{server.log_file}", soft_wrap=True)
            console.print(f"Open the UI at {server.ui_url}", soft_wrap=True)
            console.print("lumen-migrate commands now run their flows on it: their runs stay in the UI and no "
                          "temporary server is started. Stop it with `lumen-migrate server stop`.", soft_wrap=True)
        if note:
            console.print(note, soft_wrap=True)

    emit(options, {"ok": True, "started": not already, "already_running": already, **server.to_json(),
                   "state_file": str(state_path()), "note": note}, render)


@server_app.command("status")
def server_status_command(ctx: typer.Context) -> None:
    """Whether the local Prefect server runs: its URL, pid, log file and UI address.

    Exit code 0 when it runs and answers, 1 when it does not (none started, or it does not answer).
    """
    from flows.local_server import answers, running_server, state_path

    options = _options(ctx)
    with errors_handled(options):
        server = running_server()
        answering = server is not None and answers(server.api_url)
    payload: dict[str, Any] = {"ok": True, "running": server is not None, "answering": answering,
                               "state_file": str(state_path())}
    if server is not None:
        payload |= {**server.to_json(), "note": _other_api_url_note(server.api_url)}

    def render(console: Console) -> None:
        if server is None:
            console.print("No local Prefect server is running (`lumen-migrate server start` starts one).")
            return
        if answering:
            console.print(f"Local Prefect server running at {server.address} (pid {server.pid}, started "
                          f"{server.started_at:%Y-%m-%d %H:%M} UTC)", soft_wrap=True)
        else:
            console.print(f"Local Prefect server (pid {server.pid}) runs but does not answer at "
                          f"{server.api_url}/health", soft_wrap=True)
        for label, value in (("UI", server.ui_url), ("API", server.api_url), ("log", server.log_file),
                             ("state", payload["state_file"])):
            console.print(f"  {label}: {value}", soft_wrap=True)
        if payload["note"]:
            console.print(payload["note"], soft_wrap=True)

    emit(options, payload, render)
    if not answering:
        raise typer.Exit(EXIT_FAILED)


@server_app.command("stop")
def server_stop_command(ctx: typer.Context) -> None:
    """Stop the local Prefect server `server start` started (terminated, killed if it lingers); its runs stay in
    its database for the next start."""
    from flows.local_server import LocalServerError, running_server, stop_server

    options = _options(ctx)
    with errors_handled(options):
        server = running_server()
        if server is not None:
            try:
                with _server_waiting(options)(f"stopping the Prefect server at {server.address}..."):
                    stop_server(server)
            except LocalServerError as e:
                fail(options, str(e), code=EXIT_FAILED, hint=f"its log: {server.log_file}")
    if server is None:
        emit(options, {"ok": True, "stopped": False},
             lambda console: console.print("No local Prefect server is running; nothing to stop."))
        return
    emit(options, {"ok": True, "stopped": True, **server.to_json()},
         lambda console: console.print(f"Stopped the local Prefect server at {server.address} (pid {server.pid}).",
                                       soft_wrap=True))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
