"""Comparing with Azure Migrate: matching, agreement rates (arithmetic written out), totals, reasons."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.compare_view import rejected_sizes, sizing_notes
from flows.reports.compare_files import comparison_json, summary_rows
from migrations_plan.assessment.model import SizingBasis
from migrations_plan.compare import AssessedMachine, AssessmentWorkbook, OurRun, OurSystem, compare
from migrations_plan.compare.azure_migrate import match, short_name, size_key
from migrations_plan.pricing.currency import ExchangeRate, RateTable

RATES = RateTable({"USD": ExchangeRate("USD", 1.0, dt.date(2026, 8, 1), "-"),
                   "EUR": ExchangeRate("EUR", 0.8, dt.date(2026, 8, 3), "test rate"),
                   "AUD": ExchangeRate("AUD", 1.5, dt.date(2026, 8, 3), "test rate")})
SPECS = {"d2s_v5": (2, 8.0), "d4s_v5": (4, 16.0), "d4as_v5": (4, 16.0), "e4s_v5": (4, 32.0), "b2s": (2, 4.0)}


def ours(name: str, size: str | None = "Standard_D2s_v5", usd: float | None = 100.0, **fields: object) -> OurSystem:
    spec = SPECS.get(size_key(size)) if size else None
    base: dict[str, object] = {"strategy": "rehost", "readiness": "ready", "service": "vm" if size else None,
                               "size": size, "vcpus": spec[0] if spec else None,
                               "memory_gib": spec[1] if spec else None, "monthly_usd": usd, "region": "eastus2",
                               "sizing_basis": SizingBasis.PERFORMANCE}
    base.update(fields)
    return OurSystem(name=name, **base)  # type: ignore[arg-type]


def theirs(name: str, size: str | None = "Standard_D2s_v5", compute: float | None = 70.0,
           storage: float | None = 10.0, *, sheet: str = "All_VM_IaaS_Server_Rehost_Perf", row: int = 2,
           **fields: object) -> AssessedMachine:
    sizing = SizingBasis.AS_ON_PREMISES if sheet.endswith("As-is") else SizingBasis.PERFORMANCE
    return AssessedMachine(name=name, sheet=sheet, row=row, sizing=sizing, recommended_size=size,
                           readiness=fields.pop("readiness", "Ready"), readiness_warnings=None,  # type: ignore[arg-type]
                           monthly_compute=compute, monthly_storage=storage, **fields)  # type: ignore[arg-type]


def book(*machines: AssessedMachine, currency: str = "EUR", region: str | None = "East US 2") -> AssessmentWorkbook:
    return AssessmentWorkbook(file="core.xlsx", currency=currency, region=region, properties={},
                              machines=machines, sheets=("All_VM_IaaS_Server_Rehost_Perf",))


def run(our_systems: list[OurSystem], workbook: AssessmentWorkbook, *, display: str = "EUR",
        tolerance: float = 0.10):  # type: ignore[no-untyped-def]
    return compare(our_systems, workbook, our_conversion=RATES.conversion("USD", display),
                   their_conversion=RATES.conversion(workbook.currency or "USD", display), size_specs=SPECS,
                   tolerance=tolerance)


def test_agreement_rates_count_only_machines_compared_on_that_point() -> None:
    result = run([
        ours("a", "Standard_D2s_v5", 100.0),   # EUR 80 vs 80: same size, same shape, cost equal
        ours("b", "Standard_D4s_v5", 100.0),   # vs D4as_v5: same 4/16 shape, other size; EUR 80 vs 88 (-9.1 %)
        ours("c", "Standard_E4s_v5", 100.0),   # vs D4s_v5: 4/32 vs 4/16; EUR 80 vs 100 (-20 %)
        ours("d", "Standard_D2s_v5", None),    # ours not priced: cost not compared
        ours("e", "Standard_D2s_v5", 100.0),   # vs a size we do not know: shape not compared; EUR 80 vs 70
    ], book(theirs("a", "Standard_D2s_v5", 70.0, 10.0), theirs("b", "Standard_D4as_v5", 80.0, 8.0),
            theirs("c", "Standard_D4s_v5", 90.0, 10.0), theirs("d", "Standard_D2s_v5", 70.0, 10.0),
            theirs("e", "Standard_X9_v9", 60.0, 10.0)))
    # same size: a, d of a..e (b, c, e differ) -> 2/5
    assert (result.same_size.agreeing, result.same_size.compared) == (2, 5)
    assert result.same_size.rate == pytest.approx(0.4)
    # same vCPU and memory: a (2/8), b (4/16), d (2/8) agree; c differs; e unknown -> 3/4
    assert (result.same_shape.agreeing, result.same_shape.compared) == (3, 4)
    # cost within 10 %: a |80-80|=0, b |80-88|=8 <= 8.8, e |80-70|=10 > 7; c |80-100|=20 > 10; d not priced -> 2/4
    assert (result.cost_within.agreeing, result.cost_within.compared) == (2, 4)
    assert str(result.cost_within) == "2/4 (50%)"
    assert "same size 2/5 (40%); same vCPU and memory 3/4 (75%); cost within 10% 2/4 (50%)" in str(result)
    # totals over the four priced on both sides: ours 4 x 80 = 320; Microsoft 80 + 88 + 100 + 70 = 338
    assert (result.both_priced.machines, result.both_priced.ours, result.both_priced.theirs) == (4, 320.0, 338.0)
    assert result.both_priced.difference == pytest.approx(-18.0)
    by_name = {m.ours.name: m for m in result.machines}
    assert by_name["c"].difference_share == pytest.approx(-0.2)  # (80 - 100) / 100
    assert by_name["a"].reasons == () and by_name["a"].agrees
    assert "same vCPU and memory in another series: ours Standard_D4s_v5, Microsoft Standard_D4as_v5" in \
        by_name["b"].reasons
    assert "Standard_X9_v9 is not in our catalog: vCPU and memory unknown" in by_name["e"].reasons


def test_when_we_passed_over_microsofts_size_the_reason_says_why() -> None:
    result = run([ours("a", "Standard_D2s_v5", rejected_sizes=("Standard_B2s: burstable excluded",
                                                                "Standard_D2as_v5: series Dasv5 not included"))],
                 book(theirs("a", "standard_b2s")))
    assert "we passed over Microsoft's size: Standard_B2s: burstable excluded" in result.machines[0].reasons
    assert not any("Dasv5" in reason for reason in result.machines[0].reasons)


@pytest.mark.parametrize(("our_usd", "their_eur", "within"), [
    (110.0, 80.0, True),    # EUR 88 vs 80: 8 apart, exactly 10 % of 80
    (110.1, 80.0, False),   # EUR 88.08: 8.08 apart
    (90.0, 80.0, True),     # EUR 72: 8 below
    (0.0, 0.0, True),       # nothing on either side
    (10.0, 0.0, False),     # Microsoft nothing, ours EUR 8
])
def test_cost_agreement_is_within_the_tolerance_of_microsofts_figure(our_usd: float, their_eur: float,
                                                                      within: bool) -> None:
    result = run([ours("a", usd=our_usd)], book(theirs("a", compute=their_eur, storage=0.0)))
    assert result.machines[0].cost_within is within


def test_money_is_compared_in_one_currency_converted_from_both_sides() -> None:
    # Ours USD 100 -> AUD 150 (x 1.5); Microsoft's EUR 80 -> USD 100 (/ 0.8) -> AUD 150.
    result = run([ours("a", usd=100.0)], book(theirs("a", compute=70.0, storage=10.0)), display="AUD")
    machine = result.machines[0]
    assert (result.currency, machine.our_monthly, machine.their_monthly) == ("AUD", 150.0, pytest.approx(150.0))
    assert str(result.our_conversion) == "USD -> AUD at 1.5 AUD per USD, rate of 2026-08-03 (test rate)"
    assert "EUR -> AUD via USD" in str(result.their_conversion)
    data = comparison_json(result)
    assert data["currency"] == "AUD" and data["conversions"]["ours"]["rates"][0]["date"] == "2026-08-03"


def test_the_comparison_states_our_assessment_runs_settings() -> None:
    settings = {"Target location": "eastus2", "Sizing criteria": "as-on-premises", "Performance history": "1 day(s)",
                "Comfort factor": "1.3"}
    result = compare([ours("a")], book(theirs("a")), our_conversion=RATES.conversion("USD", "EUR"),
                     their_conversion=RATES.conversion("EUR", "EUR"), size_specs=SPECS, our_run=OurRun(7, settings))
    said = "assessment run 7 in eastus2: Sizing criteria as-on-premises; Comfort factor 1.3"
    assert str(result.our_run) == said and f"  ours from {said}" in str(result).splitlines()
    assert comparison_json(result)["our_assessment"] == {"run": 7, "settings": settings, "text": said}
    rows = summary_rows(result)
    assert ["Our assessment run", 7, "our side was assessed with the settings below"] in rows
    mine = "our assessment's setting"
    assert [row for row in rows if row[2] == mine] == [[f"Ours: {name}", value, mine]
                                                       for name, value in settings.items()]
    older = run([ours("a")], book(theirs("a")))
    assert older.our_run is None and comparison_json(older)["our_assessment"] is None
    assert ["Our assessment run", "not known", ""] in summary_rows(older)
    unrecorded = compare([ours("a")], book(theirs("a")), our_conversion=RATES.conversion("USD", "EUR"),
                         their_conversion=RATES.conversion("EUR", "EUR"), size_specs=SPECS, our_run=OurRun(2, {}))
    assert str(unrecorded.our_run) == "assessment run 2: settings not recorded (an older run)"
    assert ["Our settings", "not recorded (an older run)", ""] in summary_rows(unrecorded)


@pytest.mark.parametrize(("name", "short"), [("web-01.corp.example.com", "web-01"), ("WEB-01", "web-01"),
                                             ("10.0.0.5", "10.0.0.5"), (" db-01 ", "db-01")])
def test_short_names(name: str, short: str) -> None:
    assert short_name(name) == short


def test_machines_match_by_name_then_fqdn_to_short_name_when_that_is_unique() -> None:
    our_systems = [ours("web-01"), ours("DB-01.corp.example"), ours("app-01.dc1"), ours("app-01.dc2"),
                   ours("only-ours")]
    their_machines = [theirs("WEB-01"), theirs("db-01"), theirs("app-01"), theirs("only-theirs")]
    pairs, only_ours, only_theirs, ambiguous = match(our_systems, their_machines)
    assert {(o.name, t.name, how) for o, t, how in pairs} == {("web-01", "WEB-01", "name"),
                                                              ("DB-01.corp.example", "db-01", "short name")}
    assert {s.name for s in only_ours} == {"app-01.dc1", "app-01.dc2", "only-ours"}
    assert {m.name for m in only_theirs} == {"app-01", "only-theirs"}
    assert ambiguous == ["app-01: ours app-01.dc1, app-01.dc2; Microsoft's app-01"]


def test_a_machine_on_several_sheets_is_compared_once_from_the_preferred_sheet() -> None:
    result = run([ours("a")], book(theirs("a", "Standard_B2s", sheet="VM_IaaS_Server_Rehost_As-is"),
                                   theirs("a", "Standard_D2s_v5", sheet="All_VM_IaaS_Server_Rehost_Perf")))
    assert len(result.machines) == 1 and result.machines[0].theirs.sheet == "All_VM_IaaS_Server_Rehost_Perf"


def test_reasons_come_from_both_sides_sizing() -> None:
    result = run([
        ours("retired", None, None, strategy="retire", service=None),
        ours("paas", "GP_Gen5_4", 300.0, service="sql-db", strategy="replatform", vcpus=None, memory_gib=None),
        ours("asis", "Standard_E4s_v5", 200.0, sizing_basis=SizingBasis.AS_ON_PREMISES,
             sizing_notes=("no CPU and memory utilisation: sized as on premises, 4 vCPU and 32 GiB",),
             source_cores=4, source_memory_mb=32768.0, cpu_util_pct=None),
    ], book(theirs("retired", compute=50.0), theirs("paas", "Standard_D4s_v5", 150.0),
            theirs("asis", "Standard_D4s_v5", 100.0, 10.0, source_cores=4, source_memory_mb=16384.0,
                   readiness="Ready With Conditions"), region="West Europe"))
    by_name = {m.ours.name: m for m in result.machines}
    retired = by_name["retired"]
    assert retired.our_monthly == 0.0 and retired.cost_within is False and retired.same_size is None
    assert retired.reasons[0] == "we retire it: no Azure target (ready)"
    assert not any("cheaper" in reason for reason in retired.reasons)
    assert by_name["paas"].reasons[0] == "we target sql-db GP_Gen5_4 (replatform), Microsoft a VM"
    assert by_name["paas"].same_size is False
    reasons = by_name["asis"].reasons
    assert reasons[0] == "ours: no CPU and memory utilisation: sized as on premises, 4 vCPU and 32 GiB"
    assert "Microsoft sized it on measured performance, we as on premises (no utilisation data)" in reasons
    assert "the inputs differ: we have 4 cores, 32 GiB; Microsoft 4 cores, 16 GiB" in reasons
    assert "ours is 45% dearer (more than 10% apart)" in reasons  # EUR 160 vs 110
    assert "Microsoft priced in West Europe, we in eastus2" in reasons


def test_machines_on_one_side_only_count_in_the_all_totals() -> None:
    result = run([ours("a", usd=100.0), ours("b", usd=50.0)], book(theirs("a", compute=80.0, storage=0.0),
                                                                   theirs("c", compute=20.0, storage=5.0)))
    assert [s.name for s in result.only_ours] == ["b"] and [m.name for m in result.only_theirs] == ["c"]
    assert result.our_total_all() == pytest.approx(120.0)    # (100 + 50) x 0.8
    assert result.their_total_all() == pytest.approx(105.0)  # 80 + 20 + 5


def test_the_sizing_explanation_is_read_defensively_from_target_details() -> None:
    assert sizing_notes({"sizing_note": "P95 CPU 40% of 4 cores x 1.3 -> 3 vCPU", "vcpus": 4}) == (
        "P95 CPU 40% of 4 cores x 1.3 -> 3 vCPU",)
    # the two keys the assessment store writes, in that order, each text once; other keys and non-texts are skipped
    assert sizing_notes({"sizing_reason": "b", "sizing_note": "a", "why": "c", "series": "Dsv5"}) == ("a", "b")
    assert sizing_notes({"sizing_note": "a", "sizing_reason": "a"}) == ("a",)
    assert sizing_notes({"sizing_note": 3, "sizing_reason": " "}) == ()
    assert sizing_notes({}) == ()
    assert rejected_sizes({"rejected_sizes": ["Standard_B2s: burstable excluded", 7]}) == (
        "Standard_B2s: burstable excluded",)
    assert rejected_sizes({"rejected_sizes": "nonsense"}) == () == rejected_sizes({})
