"""Our assessment beside Azure Migrate's, machine by machine: sizes, vCPU and memory, monthly cost, and why they differ.

Pure: our systems and Microsoft's machines in, a `Comparison` out. Matching is by name, case-insensitively; a
fully qualified name matches a short one (`web-01.corp.example` and `WEB-01`) when the short name is unique on both
sides. Money is compared in one currency: Microsoft's figures are in the workbook's currency, ours (USD) are
converted to it with a dated rate (`Conversion`), and both conversions are part of the result.

Like for like: Microsoft's pay-as-you-go compute + storage (security, site recovery and backup left out) against
our pay-as-you-go target cost (VM + managed disks, no Hybrid Benefit). "Cost within 10 %" means
|ours - Microsoft's| <= 10 % of Microsoft's; a rate is agreeing / compared, where only machines with both figures
(or both sizes, both vCPU/memory) are compared.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from migrations_plan.assessment.model import SizingBasis, settings_text
from migrations_plan.compare.azure_migrate_workbook import AssessedMachine, AssessmentWorkbook
from migrations_plan.pricing.currency import Conversion, format_money

DEFAULT_TOLERANCE = 0.10
OUR_OPTION = "payg"
BASIS = ("pay-as-you-go without Hybrid Benefit: Microsoft's compute + storage estimate (security, site recovery and "
         "backup left out) against our VM + managed disks")
_MOVING_TO_NOTHING = {"retire", "retain"}


@dataclass(frozen=True, slots=True, kw_only=True)
class OurSystem:
    """One of our assessed systems as the comparison reads it. `monthly_usd` is its pay-as-you-go cost (None: not
    priced); `sizing_notes` explain its size (the assessment's sizing note and any reasons stored with it)."""

    name: str
    strategy: str
    readiness: str
    service: str | None = None
    size: str | None = None
    vcpus: int | None = None
    memory_gib: float | None = None
    monthly_usd: float | None = None
    region: str | None = None
    sizing_basis: SizingBasis | None = None
    sizing_notes: tuple[str, ...] = ()
    rejected_sizes: tuple[str, ...] = ()  # "Standard_B2s_v2: burstable excluded": sizes the assessment passed over
    source_cores: int | None = None
    source_memory_mb: float | None = None
    cpu_util_pct: float | None = None
    memory_util_pct: float | None = None


@dataclass(frozen=True, slots=True)
class Agreement:
    """How many compared machines agree on one point."""

    agreeing: int
    compared: int

    @property
    def rate(self) -> float | None:
        return self.agreeing / self.compared if self.compared else None

    def __str__(self) -> str:
        rate = self.rate
        return f"{self.agreeing}/{self.compared}" + (f" ({rate:.0%})" if rate is not None else " (none compared)")


@dataclass(frozen=True, slots=True)
class MachineComparison:
    """One machine on both sides. Money in the comparison's currency; `None` = that side has no figure."""

    ours: OurSystem
    theirs: AssessedMachine
    matched_by: str  # "name" or "short name"
    our_monthly: float | None
    their_monthly: float | None
    their_vcpus: int | None
    their_memory_gib: float | None
    same_size: bool | None
    same_shape: bool | None
    cost_within: bool | None
    reasons: tuple[str, ...]

    @property
    def difference(self) -> float | None:
        """Ours minus Microsoft's."""
        if self.our_monthly is None or self.their_monthly is None:
            return None
        return self.our_monthly - self.their_monthly

    @property
    def difference_share(self) -> float | None:
        """The difference as a share of Microsoft's figure (0.25 = ours is 25 % dearer)."""
        difference = self.difference
        if difference is None or not self.their_monthly:
            return None
        return difference / self.their_monthly

    @property
    def agrees(self) -> bool:
        return all(flag is not False for flag in (self.same_size, self.same_shape, self.cost_within))


@dataclass(frozen=True, slots=True)
class Totals:
    """Monthly totals in the comparison's currency."""

    ours: float
    theirs: float
    machines: int

    @property
    def difference(self) -> float:
        return self.ours - self.theirs


@dataclass(frozen=True, slots=True)
class OurRun:
    """The assessment run our side comes from: its id and settings under Azure Migrate's names (empty for a run
    older than recorded settings), so a reader knows what our figures were assessed with."""

    id: int
    settings: Mapping[str, str]

    def __str__(self) -> str:
        if not self.settings:
            return f"assessment run {self.id}: settings not recorded (an older run)"
        location = self.settings.get("Target location")
        return f"assessment run {self.id}{f' in {location}' if location else ''}: {settings_text(self.settings)}"


@dataclass(frozen=True, slots=True)
class Comparison:
    """The whole comparison: matched machines, those on one side only, agreement rates, totals, currencies, and the
    assessment run our side comes from (None when not known)."""

    machines: tuple[MachineComparison, ...]
    only_ours: tuple[OurSystem, ...]
    only_theirs: tuple[AssessedMachine, ...]
    ambiguous: tuple[str, ...]
    same_size: Agreement
    same_shape: Agreement
    cost_within: Agreement
    both_priced: Totals
    currency: str
    our_conversion: Conversion
    their_conversion: Conversion
    tolerance: float
    workbook: str
    workbook_region: str | None
    our_run: OurRun | None = None

    def our_total_all(self) -> float:
        """Every matched or our-only system with a price, converted."""
        return sum(m.our_monthly for m in self.machines if m.our_monthly is not None) + sum(
            self.our_conversion.apply(s.monthly_usd) for s in self.only_ours if s.monthly_usd is not None)

    def their_total_all(self) -> float:
        return sum(m.their_monthly for m in self.machines if m.their_monthly is not None) + sum(
            self.their_conversion.apply(t) for m in self.only_theirs if (t := m.monthly_total) is not None)

    def __str__(self) -> str:
        money = self.currency
        lines = [
            f"Compared with {self.workbook}: {len(self.machines)} machine(s) on both sides, {len(self.only_ours)} "
            f"only ours, {len(self.only_theirs)} only Microsoft's",
            f"  same size {self.same_size}; same vCPU and memory {self.same_shape}; cost within "
            f"{self.tolerance:.0%} {self.cost_within}",
            f"  both priced ({self.both_priced.machines}): ours {format_money(self.both_priced.ours, money)}/month, "
            f"Microsoft {format_money(self.both_priced.theirs, money)}/month",
            f"  ours {self.our_conversion}; Microsoft's {self.their_conversion}",
        ]
        if self.our_run is not None:
            lines.insert(1, f"  ours from {self.our_run}")
        for machine in self.machines:
            if not machine.agrees:
                lines.append(f"  {machine.ours.name}: ours {machine.ours.size or '-'} vs Microsoft "
                             f"{machine.theirs.recommended_size or '-'}: " + "; ".join(machine.reasons))
        return "\n".join(lines)


def short_name(name: str) -> str:
    """The host part of a fully qualified name (an IP address stays whole), lower-cased."""
    key = name.strip().lower()
    try:
        ipaddress.ip_address(key)
    except ValueError:
        return key.split(".", 1)[0]
    return key


def size_key(size: str) -> str:
    """Sizes compare case-insensitively, with or without the "Standard_" prefix."""
    return size.strip().lower().removeprefix("standard_")


def match(ours: Sequence[OurSystem], theirs: Sequence[AssessedMachine]) -> tuple[
        list[tuple[OurSystem, AssessedMachine, str]], list[OurSystem], list[AssessedMachine], list[str]]:
    """Pairs (ours, theirs, how), ours unmatched, theirs unmatched, and short names too ambiguous to match."""
    by_name = {system.name.strip().lower(): system for system in ours}
    pairs: list[tuple[OurSystem, AssessedMachine, str]] = []
    used: set[str] = set()
    left: list[AssessedMachine] = []
    for machine in theirs:
        system = by_name.get(machine.name.strip().lower())
        if system is not None and system.name.strip().lower() not in used:
            used.add(system.name.strip().lower())
            pairs.append((system, machine, "name"))
        else:
            left.append(machine)
    our_short: dict[str, list[OurSystem]] = defaultdict(list)
    for system in ours:
        if system.name.strip().lower() not in used:
            our_short[short_name(system.name)].append(system)
    their_short: dict[str, list[AssessedMachine]] = defaultdict(list)
    for machine in left:
        their_short[short_name(machine.name)].append(machine)
    only_theirs: list[AssessedMachine] = []
    ambiguous: list[str] = []
    for key, machines in their_short.items():
        candidates = our_short.get(key, [])
        if len(machines) == 1 and len(candidates) == 1:
            pairs.append((candidates[0], machines[0], "short name"))
            used.add(candidates[0].name.strip().lower())
            continue
        if candidates:
            ambiguous.append(f"{key}: ours {', '.join(s.name for s in candidates)}; Microsoft's "
                             f"{', '.join(m.name for m in machines)}")
        only_theirs.extend(machines)
    only_ours = [system for system in ours if system.name.strip().lower() not in used]
    return pairs, only_ours, only_theirs, ambiguous


def compare(ours: Sequence[OurSystem], workbook: AssessmentWorkbook, *, our_conversion: Conversion,
            their_conversion: Conversion, size_specs: Mapping[str, tuple[int, float]],
            tolerance: float = DEFAULT_TOLERANCE, our_run: OurRun | None = None) -> Comparison:
    """Match, then compare every pair. `our_conversion` takes our USD to the comparison's currency,
    `their_conversion` the workbook's currency to it; `size_specs` gives (vCPUs, GiB) by `size_key`; `our_run` is
    the assessment run our systems come from, stated with the result."""
    if our_conversion.target.code != their_conversion.target.code:
        raise ValueError("both conversions must end in the comparison's currency")
    pairs, only_ours, only_theirs, ambiguous = match(ours, workbook.preferred())
    machines = tuple(_compare_one(system, machine, how, our_conversion, their_conversion, size_specs, tolerance,
                                  workbook.region) for system, machine, how in pairs)
    both = [m for m in machines if m.our_monthly is not None and m.their_monthly is not None]
    return Comparison(
        machines=machines, only_ours=tuple(only_ours), only_theirs=tuple(only_theirs), ambiguous=tuple(ambiguous),
        same_size=_agreement(m.same_size for m in machines), same_shape=_agreement(m.same_shape for m in machines),
        cost_within=_agreement(m.cost_within for m in machines),
        both_priced=Totals(sum(m.our_monthly or 0.0 for m in both), sum(m.their_monthly or 0.0 for m in both),
                           len(both)),
        currency=our_conversion.target.code, our_conversion=our_conversion, their_conversion=their_conversion,
        tolerance=tolerance, workbook=workbook.file, workbook_region=workbook.region,
        our_run=None if our_run is None else OurRun(our_run.id, MappingProxyType(dict(our_run.settings))),
    )


def _agreement(flags: Iterable[bool | None]) -> Agreement:
    compared = [flag for flag in flags if flag is not None]
    return Agreement(sum(compared), len(compared))


def _compare_one(ours: OurSystem, theirs: AssessedMachine, how: str, our_conversion: Conversion,
                 their_conversion: Conversion, size_specs: Mapping[str, tuple[int, float]], tolerance: float,
                 region: str | None) -> MachineComparison:
    spec = size_specs.get(size_key(theirs.recommended_size)) if theirs.recommended_size else None
    their_vcpus, their_memory = spec if spec else (None, None)
    same_size = (size_key(ours.size) == size_key(theirs.recommended_size)
                 if ours.size and theirs.recommended_size else None)
    same_shape = None
    if ours.vcpus is not None and ours.memory_gib is not None and their_vcpus is not None \
            and their_memory is not None:
        same_shape = ours.vcpus == their_vcpus and abs(ours.memory_gib - their_memory) < 0.01
    our_usd = ours.monthly_usd
    if our_usd is None and ours.strategy in _MOVING_TO_NOTHING:
        our_usd = 0.0  # retired or retained: nothing is paid in Azure
    our_monthly = our_conversion.apply(our_usd) if our_usd is not None else None
    total = theirs.monthly_total
    their_monthly = their_conversion.apply(total) if total is not None else None
    cost_within = None
    if our_monthly is not None and their_monthly is not None:
        cost_within = (abs(our_monthly - their_monthly) <= tolerance * their_monthly + 1e-9 if their_monthly > 0
                       else abs(our_monthly) < 0.005)
    comparison = MachineComparison(ours, theirs, how, our_monthly, their_monthly, their_vcpus, their_memory,
                                   same_size, same_shape, cost_within, ())
    if comparison.agrees:
        return comparison
    reasons = _reasons(comparison, region, tolerance)
    return MachineComparison(ours, theirs, how, our_monthly, their_monthly, their_vcpus, their_memory, same_size,
                             same_shape, cost_within, reasons)


def _reasons(m: MachineComparison, region: str | None, tolerance: float) -> tuple[str, ...]:
    """Why the two sides differ, from what each side says about its sizing (ours first)."""
    ours, theirs = m.ours, m.theirs
    reasons: list[str] = []
    if ours.strategy in _MOVING_TO_NOTHING:
        reasons.append(f"we {ours.strategy} it: no Azure target ({ours.readiness})")
    elif ours.service and ours.service not in ("vm", "aks"):
        reasons.append(f"we target {ours.service} {ours.size or ''}".rstrip() + f" ({ours.strategy}), Microsoft a VM")
    elif not ours.size:
        reasons.append(f"we have no target size ({ours.readiness})")
    if not theirs.recommended_size:
        reasons.append(f"Microsoft recommends no size ({theirs.readiness or 'readiness not stated'})")
    reasons.extend(f"ours: {note}" for note in ours.sizing_notes)
    if theirs.recommended_size and m.same_size is False:
        wanted = size_key(theirs.recommended_size)
        reasons.extend(f"we passed over Microsoft's size: {entry}" for entry in ours.rejected_sizes
                       if size_key(entry.split(":", 1)[0]) == wanted)
    if theirs.sizing is SizingBasis.AS_ON_PREMISES and ours.sizing_basis is SizingBasis.PERFORMANCE:
        reasons.append(f"Microsoft sized it as on premises ({theirs.sheet}), we on utilisation")
    elif theirs.sizing is SizingBasis.PERFORMANCE and ours.sizing_basis is SizingBasis.AS_ON_PREMISES:
        reasons.append("Microsoft sized it on measured performance, we as on premises (no utilisation data)")
    inputs = _inputs_differ(ours, theirs)
    if inputs:
        reasons.append(inputs)
    if m.same_shape and m.same_size is False:
        reasons.append(f"same vCPU and memory in another series: ours {ours.size}, Microsoft "
                       f"{theirs.recommended_size}")
    if m.same_shape is None and m.same_size is False and theirs.recommended_size and m.their_vcpus is None:
        reasons.append(f"{theirs.recommended_size} is not in our catalog: vCPU and memory unknown")
    if m.cost_within is False and not (ours.strategy in _MOVING_TO_NOTHING and not m.our_monthly):
        share = m.difference_share
        dearer = "dearer" if (m.difference or 0) > 0 else "cheaper"
        text = f"ours is {abs(share):.0%} {dearer}" if share is not None else "cost differs"
        if m.same_size:
            text += " for the same size: a different price (region, licence, disks or the exchange rate)"
        reasons.append(text + f" (more than {tolerance:.0%} apart)")
    if region and ours.region and region.replace(" ", "").lower() != ours.region.lower():
        reasons.append(f"Microsoft priced in {region}, we in {ours.region}")
    if theirs.readiness == "Ready With Conditions" and theirs.readiness_warnings:
        reasons.append(f"Microsoft: ready with conditions ({theirs.readiness_warnings})")
    return tuple(reasons) or ("differs, and neither side says why",)


def _inputs_differ(ours: OurSystem, theirs: AssessedMachine) -> str:
    """A sentence when the two tools saw different servers (cores, memory, utilisation)."""
    def shape(cores: int | None, memory_mb: float | None, cpu: float | None, mem: float | None) -> str:
        parts = [f"{cores} cores" if cores is not None else "cores unknown",
                 f"{memory_mb / 1024:.3g} GiB" if memory_mb is not None else "memory unknown"]
        if cpu is not None:
            parts.append(f"CPU {cpu:.3g}%")
        if mem is not None:
            parts.append(f"memory {mem:.3g}%")
        return ", ".join(parts)

    def differs(a: float | None, b: float | None, slack: float) -> bool:
        return a is not None and b is not None and abs(a - b) > slack

    if any((differs(ours.source_cores, theirs.source_cores, 0),
            differs(ours.source_memory_mb, theirs.source_memory_mb, 1),
            differs(ours.cpu_util_pct, theirs.cpu_util_pct, 1),
            differs(ours.memory_util_pct, theirs.memory_util_pct, 1))):
        we = shape(ours.source_cores, ours.source_memory_mb, ours.cpu_util_pct, ours.memory_util_pct)
        they = shape(theirs.source_cores, theirs.source_memory_mb, theirs.cpu_util_pct, theirs.memory_util_pct)
        return f"the inputs differ: we have {we}; Microsoft {they}"
    return ""
