"""Readiness of a system for its target, with a sentence per finding (Azure Migrate's ready / ready with
conditions / not ready / unknown)."""

from __future__ import annotations

from dataclasses import dataclass, field

from migrations_plan.assessment.facts import Facts, format_fact, is_32_bit
from migrations_plan.strategy_types import Readiness

_SEVERITY = {Readiness.READY: 0, Readiness.READY_WITH_CONDITIONS: 1, Readiness.UNKNOWN: 2, Readiness.NOT_READY: 3}


@dataclass
class Findings:
    """Readiness findings collected while a system is assessed; the worst one decides."""

    items: list[tuple[Readiness, str]] = field(default_factory=list)

    def add(self, readiness: Readiness, reason: str) -> None:
        self.items.append((readiness, reason))

    @property
    def readiness(self) -> Readiness:
        worst = Readiness.READY
        for readiness, _ in self.items:
            if _SEVERITY[readiness] > _SEVERITY[worst]:
                worst = readiness
        return worst

    @property
    def blocked(self) -> bool:
        return self.readiness in (Readiness.NOT_READY, Readiness.UNKNOWN)

    def reasons(self) -> tuple[str, ...]:
        return tuple(reason for _, reason in self.items)


def check_os_for_vm(facts: Facts, findings: Findings) -> None:
    """Can this system's own OS run on an Azure VM (rehost)? Unix and most 32-bit systems cannot."""
    family, name = facts["os_family"], facts["os_name"]
    if family == "unix":
        findings.add(Readiness.NOT_READY, f"{name}: Unix on SPARC/POWER cannot run on Azure VMs (x86-64 only); "
                                          "re-platform the application, retain or relocate")
        return
    if family == "unknown":
        findings.add(Readiness.READY_WITH_CONDITIONS, "OS unknown: check that Azure supports it (priced as Linux)")
    elif family == "other":
        findings.add(Readiness.READY_WITH_CONDITIONS,
                     f"OS {name!r} not recognised: check that Azure supports it (priced as Linux)")
    if is_32_bit(facts["os_arch"], name):
        lowered = (name or "").lower()
        if "2008" in lowered and "r2" not in lowered and family == "windows":
            findings.add(Readiness.READY_WITH_CONDITIONS,
                         "32-bit Windows Server 2008: Azure runs it, but plan the move to a 64-bit OS")
        else:
            findings.add(Readiness.NOT_READY, f"32-bit OS ({name or facts['os_arch']}): Azure VMs need a 64-bit OS; "
                                              "upgrade or rebuild before migrating")
    if facts["os_support"] == "out_of_support":
        esu = ""
        if family == "windows" and "2012" in (name or ""):
            esu = " (Extended Security Updates for Windows Server 2012/2012 R2 are free on Azure VMs)"
        findings.add(Readiness.READY_WITH_CONDITIONS,
                     f"OS {name} out of support since {format_fact(facts['os_end_of_support'])}: upgrade it, or "
                     f"buy extended security updates from its vendor{esu}")


def check_database_for_vm(facts: Facts, findings: Findings) -> None:
    """A database engine version that moves as-is onto a VM keeps its support status."""
    if facts["db_support"] == "out_of_support":
        findings.add(Readiness.READY_WITH_CONDITIONS,
                     f"{facts['db_engine']} {facts['db_version']} out of support since "
                     f"{format_fact(facts['db_end_of_support'])}: upgrade during the migration or buy extended "
                     "support")
