"""The choices a savings-report form offers as dropdowns: pricing scenarios, currencies and file formats.

Listed here statically, because the Prefect UI builds its dropdowns from the parameter schema: a unit test checks
that they match the savings model's scenarios and the shipped rate table's currencies. No Prefect here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class ReportScenario(StrEnum):
    """The Azure pricing a report projects with; ASSESSMENT: the latest assessment's savings option and Hybrid
    Benefit."""

    ASSESSMENT = "assessment"
    PAYG = "payg"
    RI1Y = "ri1y"
    RI3Y = "ri3y"
    PAYG_AHB = "payg_ahb"
    RI1Y_AHB = "ri1y_ahb"
    RI3Y_AHB = "ri3y_ahb"


class ReportCurrency(StrEnum):
    """The currency report files are written in: ASSESSMENT is the latest assessment's (USD before any), the
    others are the codes of the shipped rate table (migrations_plan/pricing/data/exchange_rates.yaml)."""

    ASSESSMENT = "assessment"
    USD = "USD"
    EUR = "EUR"
    GBP = "GBP"
    AUD = "AUD"
    BRL = "BRL"
    CAD = "CAD"
    CHF = "CHF"
    DKK = "DKK"
    INR = "INR"
    JPY = "JPY"
    KRW = "KRW"
    NOK = "NOK"
    NZD = "NZD"
    RUB = "RUB"
    SEK = "SEK"
    TWD = "TWD"


ReportFormat = Literal["csv", "xlsx", "json", "html"]

# The currencies report files can be written in (ASSESSMENT picks one of them).
REPORT_CURRENCY_CODES: tuple[str, ...] = tuple(choice.value for choice in ReportCurrency
                                               if choice is not ReportCurrency.ASSESSMENT)
