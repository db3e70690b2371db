"""Money as the command line prints it: in USD as stored, or converted to the user's `--currency` when printed,
with the rate and its date beside every converted figure. Nothing stored is ever converted."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inventory.errors import BadInputError

if TYPE_CHECKING:
    from migrations_plan.pricing.currency import Conversion, RateTable


def rate_table_for(rates: Path | None) -> RateTable:
    """The shipped rate table, with the rates of the `--rates` file replacing those of the same code."""
    from migrations_plan.pricing.currency import rate_table

    if rates is not None and not rates.is_file():
        raise BadInputError.single(str(rates), "file not found")
    return rate_table(rates)


def assessed_currency(settings: Mapping[str, str] | None) -> str | None:
    """The Currency setting of an assessment run (Azure Migrate's name), None for USD or none recorded."""
    code = (settings or {}).get("Currency", "USD")
    return None if code == "USD" else code


def stored_currency(db_url: str) -> str | None:
    """The latest assessment run's Currency setting (None for USD or before any run): what `status` and
    `report savings` show money in when no --currency is given."""
    from flows.assessment_store import last_run_settings
    from inventory.db import session_scope

    with session_scope(db_url) as session:
        last = last_run_settings(session=session)
    return assessed_currency(last[1] if last else None)


def display_conversion(currency: str | None, rates: Path | None) -> Conversion | None:
    """USD to `currency`; None when money stays in USD. An unknown currency or a bad rate file is bad input."""
    table = rate_table_for(rates) if currency is not None or rates is not None else None
    if table is None or currency is None:
        return None
    conversion = table.from_usd(currency)
    return None if conversion.identity else conversion


def rate_note(conversion: Conversion) -> str:
    """"1.463251 AUD per USD, rate of 2023-07-20"."""
    rate = conversion.target
    return f"{rate.per_usd:.10g} {rate.code} per USD, rate of {rate.as_of.isoformat()}"


def money_text(conversion: Conversion | None, usd: float) -> str:
    """The amount as printed: "$12,345", or "AUD 18,064" converted."""
    from migrations_plan.pricing.currency import format_money

    if conversion is None:
        return format_money(usd, "USD")
    return format_money(conversion.apply(usd), conversion.target.code)


def converted_text(conversion: Conversion | None, usd: float, suffix: str = "") -> str:
    """" = AUD 18,064/month (1.463251 AUD per USD, rate of 2023-07-20)", or nothing without a conversion."""
    if conversion is None:
        return ""
    return f" = {money_text(conversion, usd)}{suffix} ({rate_note(conversion)})"


def converted_json(conversion: Conversion | None, amounts: Mapping[str, float | None]) -> dict[str, Any]:
    """{"converted": {currency, per_usd, date, source, the amounts converted}} for --json, or nothing."""
    if conversion is None:
        return {}
    rate = conversion.target
    return {"converted": {"currency": rate.code, "per_usd": rate.per_usd, "date": rate.as_of.isoformat(),
                          "source": rate.source,
                          **{key: None if value is None else round(conversion.apply(value), 2)
                             for key, value in amounts.items()}}}
