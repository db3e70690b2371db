"""Our assessment beside another tool's: Azure Migrate's assessment workbook, read and compared machine by machine.

Pure code: no Prefect, no database. `azure_migrate_workbook.parse` reads the workbook, `azure_migrate.compare`
matches and compares.
"""

from migrations_plan.compare.azure_migrate import (
    DEFAULT_TOLERANCE,
    Agreement,
    Comparison,
    MachineComparison,
    OurRun,
    OurSystem,
    compare,
)
from migrations_plan.compare.azure_migrate_workbook import (
    AssessedMachine,
    AssessmentWorkbook,
    parse,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "Agreement",
    "AssessedMachine",
    "AssessmentWorkbook",
    "Comparison",
    "MachineComparison",
    "OurRun",
    "OurSystem",
    "compare",
    "parse",
]
