"""`assess`: the one entry point. Facts -> strategy (rules or an engineer's override) -> sized, priced target.

Pure: the catalog is passed in (`CatalogPort`), the date is in the settings, nothing is read or written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple

from inventory.collector import collector_paused
from inventory.records import Environment
from migrations_plan.assessment.costs import Priced, Pricer
from migrations_plan.assessment.facts import FactBuilder, Facts
from migrations_plan.assessment.model import (
    AssessInput,
    Assessment,
    AssessmentError,
    AssessmentResult,
    Detail,
    Override,
    SizingBasis,
    Target,
    TargetDisk,
    TargetService,
)
from migrations_plan.assessment.paas import (
    SQL_DB_VCORES,
    AppServiceChooser,
    AppServiceNotFoundError,
    SqlKind,
    choose_sql,
)
from migrations_plan.assessment.ports import CatalogPort
from migrations_plan.assessment.readiness import Findings, check_database_for_vm, check_os_for_vm
from migrations_plan.assessment.rules import Decision, RuleTarget
from migrations_plan.assessment.settings import AssessSettings, SizingCriterion
from migrations_plan.assessment.sizing import Requirement, UnknownSizeError, requirement
from migrations_plan.assessment.vm import (
    PRODUCTION_SYSTEM,
    DiskChooser,
    DiskTierNotFoundError,
    VmChoice,
    VmChooser,
    VmNotFoundError,
    series_of,
)
from migrations_plan.pricing.model import AppServicePlan, DiskKind, DiskTier, OsType, PriceNotFoundError, SqlTier
from migrations_plan.strategy_types import Readiness, Strategy

NO_OVERRIDES: Mapping[int, Override] = MappingProxyType({})
OVERRIDE_RULE_ID = "override"
_WEB = frozenset({"web", "web-server", "iis", "apache", "nginx", "tomcat"})
_CONTAINERS = frozenset({"container", "containers", "container-host", "kubernetes", "docker", "openshift"})
_AKS_MIN_VCPUS, _AKS_MIN_MEMORY_GIB = 2, 4.0  # AKS node minimum (Microsoft Learn, "AKS quotas and SKUs")


def assess(
    systems: Iterable[AssessInput],
    *,
    catalog: CatalogPort,
    settings: AssessSettings,
    overrides: Mapping[int, Override] = NO_OVERRIDES,
) -> AssessmentResult:
    """Assess every system in input order. Overrides (system id -> engineer's strategy) win over the rules."""
    assessor = _Assessor(catalog, settings)
    with collector_paused():
        assessments = tuple([assessor.assess(system, overrides.get(system.id)) for system in systems])
    return AssessmentResult(
        assessments=assessments,
        region=settings.region,
        pricing_key=settings.pricing_key,
        catalog_as_of=catalog.as_of,
        rules_source=settings.rules.source,
        as_of=settings.as_of,
        settings=MappingProxyType(settings.describe()),
    )


class _Placed(NamedTuple):
    """A target with its cost, or nothing when the findings block it; for a VM, why this size. (A tuple: one is
    made per VM system.)"""

    target: Target | None
    priced: Priced
    size_reason: str = ""
    rejected: tuple[str, ...] = ()


class _Assessor:
    """Holds the per-run memos (VM pools, disk tiers, prices) shared by every system of one `assess` call."""

    def __init__(self, catalog: CatalogPort, settings: AssessSettings) -> None:
        try:
            catalog.candidate_sizes(settings.region, os="linux", option=settings.pricing, ahb=settings.ahb)
        except PriceNotFoundError as e:
            raise AssessmentError(f"cannot assess for region {settings.region!r}: {e}") from e
        self.catalog = catalog
        self.settings = settings
        self.region = settings.region
        self.vms = VmChooser(catalog, settings)
        self.vms.check_series()
        self.disks = DiskChooser(catalog, settings.region)
        self.pricer = Pricer(catalog, settings)
        self.facts = FactBuilder(settings.as_of)
        self._vm_memo: dict[tuple[object, ...], _Placed] = {}
        self._details: dict[tuple[object, ...], Mapping[str, Detail]] = {}
        self._app_chooser: AppServiceChooser | str | None = None
        self._sql_vcores: tuple[int, ...] | None = None

    # ----- one system ----------------------------------------------------------------------------------

    def assess(self, system: AssessInput, override: Override | None) -> Assessment:
        facts = self.facts.build(system)
        if override is not None:
            decision = Decision(override.strategy, OVERRIDE_RULE_ID, override.reason, RuleTarget.AUTO)
        else:
            decision = self.settings.rules.decide(facts)
        # An unknown environment is the settings' default environment for disks and burstable sizes only.
        environment = system.environment
        if environment is Environment.UNKNOWN:
            environment = self.settings.default_environment
        production = (environment in self.settings.production_environments
                      or system.criticality in self.settings.production_criticality)
        findings = Findings()
        service = self._service(decision, facts)
        need: Requirement | None = None
        if service is not RuleTarget.NONE:
            try:
                need = requirement(system, percentile=self.settings.percentile,
                                   comfort_factor=self.settings.comfort_factor,
                                   as_on_premises=self.settings.sizing is SizingCriterion.AS_ON_PREMISES,
                                   cap_at_allocation=self.settings.cap_at_allocation)
            except UnknownSizeError as e:
                findings.add(Readiness.UNKNOWN, str(e))
        placed = self._place(service, decision, facts, need, production, findings)
        return Assessment(
            system_id=system.id,
            name=system.name,
            strategy=decision.strategy,
            rule_id=decision.rule_id,
            reason=decision.reason,
            overridden=override is not None,
            readiness=findings.readiness,
            readiness_reasons=findings.reasons(),
            target=placed.target,
            sizing_basis=need.basis if need else None,
            needed_vcpus=need.vcpus if need else None,
            needed_memory_gib=need.memory_gib if need else None,
            monthly_cost=placed.priced.monthly,
            monthly_cost_by_option=placed.priced.by_option,
            cost_estimated=placed.priced.estimated,
            cost_basis=placed.priced.basis,
            sizing_note=need.note if need else "",
            sizing_reason=placed.size_reason,
            rejected_sizes=placed.rejected,
        )

    def _service(self, decision: Decision, facts: Facts) -> RuleTarget:
        """The kind of target: the rule's, or for AUTO (and overrides) the natural one for the strategy."""
        if decision.target is not RuleTarget.AUTO:
            return decision.target
        strategy = decision.strategy
        if strategy in (Strategy.RETIRE, Strategy.RETAIN, Strategy.RELOCATE):
            return RuleTarget.NONE
        if strategy is Strategy.REPURCHASE:
            return RuleTarget.VM if facts["kind"] == "appliance" else RuleTarget.NONE
        if strategy is Strategy.REFACTOR:
            return RuleTarget.AKS
        if strategy is Strategy.REPLATFORM:
            if facts["db_engine"] == "sql server":
                return RuleTarget.SQL
            if facts["workload_type"] in _WEB:
                return RuleTarget.APP_SERVICE
            if facts["workload_type"] in _CONTAINERS:
                return RuleTarget.AKS
        return RuleTarget.VM

    def _place(self, service: RuleTarget, decision: Decision, facts: Facts, need: Requirement | None,
               production: bool, findings: Findings) -> _Placed:
        if service is RuleTarget.NONE:
            return self._no_target(decision.strategy, findings)
        if service is RuleTarget.VM and decision.strategy in (Strategy.REHOST, Strategy.RELOCATE):
            check_os_for_vm(facts, findings)
            check_database_for_vm(facts, findings)
        if need is None or findings.blocked:
            return _Placed(None, self.pricer.unpriced("not priced: " + "; ".join(findings.reasons())))
        if service is RuleTarget.VM:
            appliance = decision.strategy is Strategy.REPURCHASE
            note = ""
            if decision.strategy is Strategy.REPLATFORM and decision.target is RuleTarget.AUTO:
                note = "replatform: no platform service in the catalog for this workload, sized as a VM"
            return self._vm(need, facts, production, findings, appliance=appliance, note=note)
        if service in (RuleTarget.SQL, RuleTarget.SQL_MI):
            return self._sql(need, facts, production, findings, force_instance=service is RuleTarget.SQL_MI)
        if service is RuleTarget.APP_SERVICE:
            return self._app_service(need, facts, production, findings)
        return self._vm(need, facts, production, findings, aks=True)

    def _no_target(self, strategy: Strategy, findings: Findings) -> _Placed:
        if strategy is Strategy.RETIRE:
            return _Placed(None, self.pricer.nothing("retired: no Azure resources"))
        if strategy is Strategy.RETAIN:
            return _Placed(None, self.pricer.nothing("retained on premises: no Azure resources"))
        why = {
            Strategy.RELOCATE: "the relocation target (Azure VMware Solution or a partner hosting service) is not "
                               "in the price catalog",
            Strategy.REPURCHASE: "the replacement product (SaaS or marketplace licence) is not in the price catalog",
        }.get(strategy, f"no Azure target for {strategy}")
        findings.add(Readiness.READY_WITH_CONDITIONS, f"not priced: {why}")
        return _Placed(Target(TargetService.NONE, None, self.region), self.pricer.unpriced(f"not priced: {why}"))

    # ----- virtual machines (rehost, SQL Server on a VM, NVA, AKS nodes) --------------------------------

    def _vm(self, need: Requirement, facts: Facts, production: bool, findings: Findings, *,
            appliance: bool = False, aks: bool = False, sql_server: bool = False, note: str = "") -> _Placed:
        os = OsType.WINDOWS if facts["os_family"] == "windows" and not appliance else OsType.LINUX
        choose_disk = self.disks.choose
        try:
            tiers: tuple[DiskTier, ...] | None = tuple([choose_disk(d, production=production) for d in need.disks])
        except PriceNotFoundError:
            tiers = None
        except DiskTierNotFoundError as e:
            findings.add(Readiness.NOT_READY, str(e))
            return _Placed(None, self.pricer.unpriced(f"not priced: {e}"))
        if tiers is None:
            findings.add(Readiness.READY_WITH_CONDITIONS,
                         f"managed-disk prices are not in the catalog for {self.region}: disks not mapped, "
                         "cost is compute only")
            premium = production
        else:
            premium = any(tier.kind is DiskKind.PREMIUM_SSD for tier in tiers)
        try:
            choice = self.vms.choose(
                need, os=os.value, premium=premium,
                burstable_why=PRODUCTION_SYSTEM if production else self._no_burstable(need, facts, aks),
                min_vcpus=_AKS_MIN_VCPUS if aks else 1, min_memory_gib=_AKS_MIN_MEMORY_GIB if aks else 0.0,
            )
        except VmNotFoundError as e:
            findings.add(Readiness.NOT_READY, str(e))
            return _Placed(None, self.pricer.unpriced(f"not priced: {e}"))
        key = (choice.size.name, os, tuple([tier.name for tier in tiers]) if tiers is not None else None,
               appliance, aks, sql_server, note)
        placed = self._vm_memo.get(key)
        if placed is None:
            placed = self._vm_target(choice, os, tiers, appliance=appliance, aks=aks, sql_server=sql_server,
                                     note=note)
            self._vm_memo[key] = placed
        return _Placed(placed.target, placed.priced, choice.reason, choice.rejected)

    def _no_burstable(self, need: Requirement, facts: Facts, aks: bool) -> str:
        """Why this non-production system may not get a burstable size (empty when it may, if the settings include
        B-series)."""
        if aks:
            return "not for AKS nodes"
        if need.basis is not SizingBasis.PERFORMANCE:
            return "no performance data to show it is quiet"
        cpu = facts["cpu_util_pct"]
        if cpu is None or cpu >= self.settings.burstable_max_cpu_pct:
            return f"P95 CPU not under {self.settings.burstable_max_cpu_pct:g}% (credits would run out)"
        return ""

    def _vm_target(self, choice: VmChoice, os: OsType, tiers: tuple[DiskTier, ...] | None, *, appliance: bool,
                   aks: bool, sql_server: bool, note: str) -> _Placed:
        """Target and cost of a chosen size and its disks."""
        size = choice.size
        cost_note = note
        if appliance:
            cost_note = "vendor appliance licence not priced (bring your own or marketplace)"
        if sql_server and not self.settings.ahb:
            cost_note = "; ".join(part for part in (note, "SQL Server licence not included (bring your own licence "
                                                    "or add it)") if part)
        if aks:
            cost_note = "one node of the workload's size; AKS control plane (free tier) and cluster headroom not priced"
        details = self._vm_details(choice, os, appliance=appliance, aks=aks, sql_server=sql_server)
        disks = tuple(TargetDisk(tier.name, tier.size_gib) for tier in tiers) if tiers else ()
        target = Target(TargetService.AKS if aks else TargetService.VM, size.name, self.region, disks, details)
        return _Placed(target, self.pricer.vm(size.name, os.value, tiers, note=cost_note))

    def _vm_details(self, choice: VmChoice, os: OsType, *, appliance: bool, aks: bool,
                    sql_server: bool) -> Mapping[str, Detail]:
        key = (choice.size.name, os, appliance, aks, sql_server)
        found = self._details.get(key)
        if found is None:
            size = choice.size
            details: dict[str, Detail] = {"os": os.value, "series": series_of(size.name), "vcpus": size.vcpus,
                                          "memory_gib": size.memory_gib}
            if appliance:
                details["image"] = "vendor virtual appliance from the Azure Marketplace"
            if sql_server:
                details["sql_server"] = True
            if aks:
                details.update({"node_size": size.name, "nodes": 1})
            found = MappingProxyType(details)
            self._details[key] = found
        return found

    # ----- platform services ---------------------------------------------------------------------------

    def _sql_vcore_options(self) -> tuple[int, ...]:
        if self._sql_vcores is None:
            try:
                self._sql_vcores = self.catalog.sql_db_rate(self.region, tier=SqlTier.GENERAL_PURPOSE).vcore_options
            except PriceNotFoundError:
                self._sql_vcores = SQL_DB_VCORES
        return self._sql_vcores

    def _sql(self, need: Requirement, facts: Facts, production: bool, findings: Findings, *,
             force_instance: bool) -> _Placed:
        choice = choose_sql(need, facts, production=production, vcore_options=self._sql_vcore_options(),
                            force_instance=force_instance)
        if choice.kind is SqlKind.VM:
            check_database_for_vm(facts, findings)
            placed = self._vm(need, facts, production, findings, sql_server=True, note=choice.why)
            return placed
        details: dict[str, Detail] = {"tier": str(choice.tier), "vcores": choice.vcores or 0,
                                      "storage_gb": choice.storage_gb, "why": choice.why}
        target = Target(choice.service, choice.sku, self.region, (), MappingProxyType(details))
        if choice.kind is SqlKind.DATABASE:
            return _Placed(target, self.pricer.sql_db(choice))
        findings.add(Readiness.READY_WITH_CONDITIONS,
                     "not priced: SQL Managed Instance has no price in the catalog (the cost shown is an estimate "
                     "from Azure SQL Database rates)")
        return _Placed(target, self.pricer.sql_mi_proxy(choice))

    def _app_service_chooser(self) -> AppServiceChooser:
        if self._app_chooser is None:
            try:
                self._app_chooser = AppServiceChooser(self.catalog.app_service_plans(self.region))
            except PriceNotFoundError as e:
                self._app_chooser = str(e)
        if isinstance(self._app_chooser, str):
            raise PriceNotFoundError(self._app_chooser)
        return self._app_chooser

    def _app_service(self, need: Requirement, facts: Facts, production: bool, findings: Findings) -> _Placed:
        os = OsType.WINDOWS if facts["os_family"] == "windows" else OsType.LINUX
        try:
            plan: AppServicePlan = self._app_service_chooser().choose(need, os=os, production=production)
        except (PriceNotFoundError, AppServiceNotFoundError) as e:
            findings.add(Readiness.READY_WITH_CONDITIONS, f"App Service: {e}; sized and priced as a VM instead")
            return self._vm(need, facts, production, findings)
        details: dict[str, Detail] = {"os": os.value, "vcpus": plan.vcpus, "memory_gib": plan.memory_gib,
                                      "instances": 1}
        target = Target(TargetService.APP_SERVICE, plan.name, self.region, (), MappingProxyType(details))
        return _Placed(target, self.pricer.app_service(plan))
