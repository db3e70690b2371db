"""How report files show money: in USD as the model computes it, or converted at one dated rate that every file
states. Converting is the last step before writing; nothing stored is ever converted."""

from __future__ import annotations

from dataclasses import dataclass

from migrations_plan.pricing.currency import BASE_CURRENCY, ExchangeRate, format_money


@dataclass(frozen=True, slots=True)
class Money:
    """The currency of a report's files; `rate` None means USD, not converted."""

    rate: ExchangeRate | None = None

    @classmethod
    def of(cls, rate: ExchangeRate | None) -> Money:
        """USD at its own rate is no conversion at all."""
        return cls(None if rate is None or rate.code == BASE_CURRENCY else rate)

    @property
    def code(self) -> str:
        return self.rate.code if self.rate is not None else BASE_CURRENCY

    @property
    def factor(self) -> float:
        """Units of the report's currency per USD."""
        return self.rate.per_usd if self.rate is not None else 1.0

    def amount(self, usd: float) -> float:
        return usd * self.factor

    def text(self, usd: float, *, decimals: int = 2) -> str:
        """"$1,234.56", "-EUR 1,083.40"."""
        return format_money(self.amount(usd), self.code, decimals=decimals)

    def signed(self, usd: float, *, decimals: int = 0) -> str:
        """"+$1,234", "-EUR 1,083": a headline's sign is always shown."""
        text = self.text(usd, decimals=decimals)
        return text if text.startswith("-") else f"+{text}"

    def compact(self, usd: float) -> str:
        """"$1.2M", "-EUR 350k", "$900": short enough for a chart's axis."""
        return compact_amount(self.amount(usd), self.code)

    def rate_text(self) -> str:
        """"0.877578 EUR per USD, rate of 2026-08-03 (source)", or "" for USD."""
        return str(self.rate) if self.rate is not None else ""

    def note(self) -> str:
        """The sentence every file carries about its money."""
        if self.rate is None:
            return "Money in USD."
        return f"Money in {self.code}, converted from USD (the model's currency) at {self.rate_text()}."

    def xlsx_format(self) -> str:
        """A spreadsheet number format with the currency, negatives red."""
        unit = '"$"' if self.rate is None else f'"{self.code} "'
        return f"{unit}#,##0.00;[Red]-{unit}#,##0.00"


USD = Money()


def compact_amount(amount: float, code: str) -> str:
    """An amount already in `code`, shortened: "$1.2M", "-EUR 350k", "$900"."""
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    prefix = "$" if code == BASE_CURRENCY else f"{code} "
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{sign}{prefix}{size / limit:.3g}{suffix}"
    return f"{sign}{prefix}{size:.0f}"
