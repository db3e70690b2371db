"""Pricing scenarios of the savings report, and how a target's price fills a scenario it has no price for."""

from __future__ import annotations

from collections.abc import Mapping

# When a target has no price for a scenario, the nearest priced one stands in: Azure SQL Database is priced only
# with Hybrid Benefit in the catalog (its licence meter is not public data), so its AHB rate fills "payg"/"ri*".
SCENARIO_FALLBACKS: dict[str, tuple[str, ...]] = {
    "payg": ("payg_ahb",),
    "ri1y": ("ri1y_ahb", "payg", "payg_ahb"),
    "ri3y": ("ri3y_ahb", "ri1y", "payg", "payg_ahb"),
    "payg_ahb": ("payg",),
    "ri1y_ahb": ("ri1y", "payg_ahb", "payg"),
    "ri3y_ahb": ("ri3y", "ri1y_ahb", "payg_ahb", "payg"),
}
SCENARIOS: tuple[str, ...] = tuple(SCENARIO_FALLBACKS)


def scenario_prices(prices: Mapping[str, float]) -> dict[str, float]:
    """Every scenario's monthly price, filling gaps from the nearest priced scenario (empty when none is)."""
    filled = dict(prices)
    for scenario, fallbacks in SCENARIO_FALLBACKS.items():
        if scenario not in filled:
            for fallback in fallbacks:
                if fallback in prices:
                    filled[scenario] = prices[fallback]
                    break
    return filled
