"""Cleaning rules for VM price feeds and the reserved-ratio arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migrations_plan.pricing.model import OsType, PricingOption, format_rate
from migrations_plan.pricing.reserved import ReservedRates, observe_ratios, windows_reserved
from migrations_plan.pricing.specs import APP_SERVICE_PLAN_SPECS, DISK_TIER_SPECS
from migrations_plan.pricing.vm_prices import (
    RegionVmPrices,
    active_vcpus,
    reconcile_payg,
    suspect_families,
)


@pytest.mark.parametrize(
    ("name", "vcpus", "active"),
    [
        ("Standard_E8-2s_v3", 8, 2),
        ("Standard_DS11-1_v2", 2, 1),
        ("Standard_M128-32ms", 128, 32),
        ("Standard_F64-16ams_v7", 80, 16),
        ("Standard_D4s_v5", 4, 4),
        ("Standard_B1ls", 1, 1),
    ],
)
def test_active_vcpus(name: str, vcpus: int, active: int) -> None:
    assert active_vcpus(name, vcpus) == active


@pytest.mark.parametrize(
    ("linux", "windows", "family", "suspect", "kept_linux", "kept_windows", "dropped"),
    [
        ({"S": 0.1}, {"S": 0.2}, "f", frozenset(), {"S": 0.1}, {"S": 0.2}, set()),
        ({"S": 0.2}, {"S": 0.2}, "f", frozenset(), {}, {"S": 0.2}, {"S"}),  # equal: Cloud Services
        ({"S": 0.243}, {"S": 0.242}, "f", frozenset(), {}, {"S": 0.242}, {"S"}),  # above Windows
        ({"S": 0.1}, {"S": 0.0}, "f", frozenset(), {"S": 0.1}, {}, set()),  # zero Windows dropped
        ({"S": 0.0}, {"S": 0.2}, "f", frozenset(), {}, {"S": 0.2}, set()),  # zero Linux dropped
        ({"S": 0.1}, {}, "f", frozenset({"f"}), {}, {}, {"S"}),  # unverifiable in a polluted family
        ({"S": 0.1}, {}, "f", frozenset({"g"}), {"S": 0.1}, {}, set()),  # Linux-only elsewhere: kept
        ({"S_Promo": 0.1}, {"S_Promo": 0.2}, "f", frozenset(), {}, {}, set()),  # promotional size
    ],
)
def test_reconcile_payg(
    linux: dict[str, float],
    windows: dict[str, float],
    family: str,
    suspect: frozenset[str],
    kept_linux: dict[str, float],
    kept_windows: dict[str, float],
    dropped: set[str],
) -> None:
    sizes = set(linux) | set(windows)
    result = reconcile_payg(
        linux=linux, windows=windows, sizes=sizes, family_of=dict.fromkeys(sizes, family), suspect=suspect
    )
    assert (dict(result.linux), dict(result.windows), set(result.linux_suspect)) == (
        kept_linux,
        kept_windows,
        dropped,
    )


def test_reconcile_keeps_only_the_sizes_asked_for() -> None:
    result = reconcile_payg(linux={"A": 0.1, "B": 0.1}, windows={"A": 0.2, "B": 0.2}, sizes=["A"])
    assert set(result.linux) == set(result.windows) == {"A"}


def test_suspect_families_are_those_with_a_polluted_pair() -> None:
    family_of = {"A": "clean", "B": "dirty", "C": "dirty"}
    regions = [({"A": 0.1, "B": 0.2}, {"A": 0.2, "B": 0.2}), ({"C": 0.1}, {"C": 0.3})]
    assert suspect_families(regions, family_of) == frozenset({"dirty"})


prices = st.floats(min_value=-1.0, max_value=50.0, allow_nan=False)
feeds = st.dictionaries(st.sampled_from(["A", "B", "C", "D_Promo"]), prices, max_size=4)


@given(linux=feeds, windows=feeds, suspect=st.frozensets(st.sampled_from(["f", "g"])))
def test_kept_prices_are_positive_and_linux_below_windows(
    linux: dict[str, float], windows: dict[str, float], suspect: frozenset[str]
) -> None:
    sizes = set(linux) | set(windows)
    family_of = {name: ("f" if name < "C" else "g") for name in sizes}
    result = reconcile_payg(linux=linux, windows=windows, sizes=sizes, family_of=family_of, suspect=suspect)
    assert all(price > 0 for price in [*result.linux.values(), *result.windows.values()])
    assert not any(name.endswith("_Promo") for name in [*result.linux, *result.windows])
    for name, price in result.linux.items():
        if name in result.windows:
            assert price < result.windows[name]
    assert not set(result.linux) & result.linux_suspect
    assert set(result.linux) | result.linux_suspect <= {n for n, p in linux.items() if p > 0}


def test_observed_ratios_average_per_os_and_term() -> None:
    payg = {"r": RegionVmPrices(linux={"A": 0.1, "B": 0.2}, windows={"A": 0.2, "B": 0.3})}
    reserved = {
        "r": {
            "A": ReservedRates(0.06, 0.04, 0.16, 0.14),
            "B": ReservedRates(0.10, 0.08),  # Windows derived: 0.10 + (0.3 - 0.2)
        }
    }
    ratios = observe_ratios(reserved, payg)
    expected = {
        (OsType.LINUX, PricingOption.RI1Y): (0.6 + 0.5) / 2,
        (OsType.LINUX, PricingOption.RI3Y): (0.4 + 0.4) / 2,
        (OsType.WINDOWS, PricingOption.RI1Y): (0.8 + 0.2 / 0.3) / 2,
        (OsType.WINDOWS, PricingOption.RI3Y): (0.7 + 0.18 / 0.3) / 2,
    }
    for (os, option), ratio in expected.items():
        found = ratios.get(os, option)
        assert found is not None
        assert found[0] == pytest.approx(ratio)
        assert found[1] == 2
    assert observe_ratios({}, payg).get(OsType.LINUX, PricingOption.RI1Y) is None


def test_windows_reserved_adds_the_payg_licence() -> None:
    # eastus D4s_v5 in the rvtools estimator: 0.11849315... + (0.376 - 0.192) = 0.30249315...
    assert windows_reserved(0.1184931506849315, linux_payg=0.192, windows_payg=0.376) == pytest.approx(
        0.3024931506849315
    )


@pytest.mark.parametrize(
    ("value", "text"), [(0.376, "0.376"), (0.1184931, "0.1185"), (13.338, "13.338"), (2, "2")]
)
def test_format_rate(value: float, text: str) -> None:
    assert format_rate(value) == text


def test_disk_specs_grow_with_size_within_a_kind() -> None:
    for kind in {spec.kind for spec in DISK_TIER_SPECS}:
        tiers = [spec for spec in DISK_TIER_SPECS if spec.kind is kind]
        assert [t.size_gib for t in tiers] == sorted(t.size_gib for t in tiers)
        assert [t.iops for t in tiers] == sorted(t.iops for t in tiers)
    assert len(APP_SERVICE_PLAN_SPECS) == 15
