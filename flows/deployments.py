"""Prefect deployments of every flow, served by `lumen-migrate serve`: typed forms in the UI, and schedules.

Each flow takes a pydantic parameter model, so the Prefect UI renders a form for it. Finance gets a scheduled
monthly savings report; the rest run on demand (from the UI, the CLI or the API).
"""

from __future__ import annotations

from typing import Any

# Finance's report: 06:00 UTC on the first day of every month, the 12-month view in the formats finance opens.
MONTHLY_REPORT_CRON = "0 6 1 * *"
# Its files go under the files folder (LUMEN_MIGRATE_FILES_DIR), one set per month; a re-run of a month adds -2.
MONTHLY_REPORT_PARAMETERS: dict[str, Any] = {
    "params": {"months": 12, "formats": ["xlsx", "html", "json"], "out_dir": "reports/monthly",
               "name": "savings-{month}", "currency": "assessment"},
}


def _due_dates() -> list[Any]:
    from flows.execution.due_waves import due_dates
    from flows.settings import get_settings
    from inventory.db import session_scope

    with session_scope(get_settings().db_url) as session:
        return due_dates(session=session)


def build_deployments() -> list[Any]:
    """The RunnerDeployments `serve` offers (built lazily: importing flows needs Prefect prepared first)."""
    from flows.assess_flow import assess_flow
    from flows.catalog_flow import refresh_price_catalog
    from flows.demo_flow import demo_flow
    from flows.execution.due_waves import due_schedules, run_due_waves_flow
    from flows.execution.wave_flow import rollback_wave_flow, run_wave_flow
    from flows.import_flow import import_inventory
    from flows.plan_flow import plan_flow
    from flows.report_flow import report_flow

    tags = ["lumen-migrate"]
    return [
        import_inventory.to_deployment(name="import-inventory", tags=tags,
                                       description="Import one inventory file of the serving machine (RVTools, Azure "
                                                   "Migrate, our CSV/JSON, dependencies): a rejected file writes "
                                                   "nothing."),
        assess_flow.to_deployment(name="assess-estate", tags=tags,
                                  description="7R strategy, readiness and a right-sized, priced Azure target per "
                                              "system, under Azure Migrate's settings."),
        plan_flow.to_deployment(name="plan-waves", tags=tags,
                                description="Move groups packed into dated waves under your limits; pins and frozen "
                                            "waves are kept."),
        report_flow.to_deployment(name="savings-report", tags=tags,
                                  description="The monthly cash-flow projection, on demand: files named per run "
                                              "under the files folder, in the currency chosen."),
        report_flow.to_deployment(name="monthly-savings-report", tags=[*tags, "finance"], cron=MONTHLY_REPORT_CRON,
                                  parameters=MONTHLY_REPORT_PARAMETERS,
                                  description="Finance's monthly savings report (first day of the month)."),
        refresh_price_catalog.to_deployment(name="refresh-price-catalog", tags=tags,
                                            description="Fetch current VM, disk, SQL Database and App Service prices "
                                                        "from the Azure Retail Prices API."),
        demo_flow.to_deployment(name="demo", tags=tags,
                                description="The planning half and a pilot wave on a generated estate, in the "
                                            "demo's own folder and database: never the configured one."),
        run_wave_flow.to_deployment(name="run-wave", tags=[*tags, "execution"],
                                    description="Execute a wave: preflight to finalize; production workloads wait "
                                                "for approval (Resume the paused run); failures are undone."),
        rollback_wave_flow.to_deployment(name="rollback-wave", tags=[*tags, "execution"],
                                         description="Undo a wave's latest run from its journal. Starts as a dry "
                                                     "run that lists what would be undone."),
        # Scheduled on the approved waves' dates only (re-set by every plan): no run when nothing is due.
        run_due_waves_flow.to_deployment(name="run-due-waves", tags=[*tags, "execution"],
                                         schedules=due_schedules(_due_dates()), parameters={"params": {}},
                                         description="Run the waves whose date has come and that the change "
                                                     "board approved (frozen); scheduled on those dates."),
    ]
