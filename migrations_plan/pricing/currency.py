"""Dated exchange rates, so that USD amounts can be shown in the currency finance reports in.

Amounts are stored and computed in USD (the catalog's currency); a report converts them when it prints them and
says in which currency, at which rate and of which date. A rate is `per_usd`: units of the currency one US dollar
buys (AUD 1.463251 means USD 100 = AUD 146.33). The shipped table (`data/exchange_rates.yaml`) says where each
rate comes from; a user's file (`--rates`, YAML or CSV of code, per_usd, date[, source]) replaces rates by code.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from inventory.errors import BadInputError, BadSettingsError
from inventory.importers.common import Problems, decode_text, display_name, read_bytes, read_csv

BASE_CURRENCY = "USD"
DEFAULT_RATES_NAME = "exchange_rates.yaml"
_CODE = re.compile(r"^[A-Z]{3}$")
_FIELDS = ("code", "per_usd", "date", "source")
# What a column or key may also be called in a user's file.
_ALIASES = {"code": "code", "currency": "code", "per_usd": "per_usd", "rate": "per_usd", "rate_per_usd": "per_usd",
            "date": "date", "as_of": "date", "source": "source"}


class UnknownCurrencyError(BadSettingsError):
    """A currency the rate table has no rate for (bad input: exit code 2)."""


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    """How many units of `code` one US dollar buys, on `as_of`, according to `source`."""

    code: str
    per_usd: float
    as_of: dt.date
    source: str

    def from_usd(self, amount: float) -> float:
        return amount * self.per_usd

    def to_usd(self, amount: float) -> float:
        return amount / self.per_usd

    def __str__(self) -> str:
        if self.code == BASE_CURRENCY:
            return "USD (no conversion)"
        return f"{self.per_usd:.10g} {self.code} per USD, rate of {self.as_of.isoformat()} ({self.source})"


@dataclass(frozen=True, slots=True)
class Conversion:
    """Amounts in `source`'s currency shown in `target`'s, through USD (an identity when both are the same)."""

    source: ExchangeRate
    target: ExchangeRate

    @property
    def identity(self) -> bool:
        return self.source.code == self.target.code

    def apply(self, amount: float) -> float:
        if self.identity:
            return amount
        return self.target.from_usd(self.source.to_usd(amount))

    def __str__(self) -> str:
        if self.identity:
            return f"in {self.target.code}, not converted"
        parts = [str(rate) for rate in (self.source, self.target) if rate.code != BASE_CURRENCY]
        via = " via USD" if len(parts) == 2 else ""
        return f"{self.source.code} -> {self.target.code}{via} at " + "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.source.code, "to": self.target.code, "identity": self.identity,
                "rates": [rate_dict(rate) for rate in (self.source, self.target) if rate.code != BASE_CURRENCY
                          and not self.identity]}


def rate_dict(rate: ExchangeRate) -> dict[str, Any]:
    return {"code": rate.code, "per_usd": rate.per_usd, "date": rate.as_of.isoformat(), "source": rate.source}


@dataclass(frozen=True, slots=True)
class RateTable:
    """Exchange rates by ISO 4217 code; USD is always there at 1."""

    rates: Mapping[str, ExchangeRate]

    def codes(self) -> tuple[str, ...]:
        return tuple(sorted(self.rates))

    def get(self, code: str) -> ExchangeRate:
        """The rate of `code` (any case); UnknownCurrencyError naming the known codes when there is none."""
        found = self.rates.get(code.strip().upper())
        if found is None:
            raise UnknownCurrencyError(f"unknown currency {code.strip()!r}: the rate table knows "
                                       f"{', '.join(self.codes())}; add it with --rates FILE (code, per_usd, date)")
        return found

    def conversion(self, source: str, target: str) -> Conversion:
        return Conversion(self.get(source), self.get(target))

    def from_usd(self, target: str) -> Conversion:
        return self.conversion(BASE_CURRENCY, target)

    def updated(self, other: RateTable) -> RateTable:
        """This table with `other`'s rates replacing (or adding to) its own."""
        return RateTable(MappingProxyType({**self.rates, **other.rates}))


def format_money(amount: float, code: str, *, decimals: int = 0) -> str:
    """"$12,345" for USD, "AUD 18,064" otherwise; negative amounts keep their sign in front."""
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount):,.{decimals}f}"
    return f"{sign}${digits}" if code == BASE_CURRENCY else f"{sign}{code} {digits}"


# ----- reading tables ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    row: int
    fields: Mapping[str, object]


@lru_cache(maxsize=1)
def default_rates() -> RateTable:
    """The table shipped with the package (migrations_plan/pricing/data/exchange_rates.yaml)."""
    text = resources.files("migrations_plan.pricing").joinpath("data", DEFAULT_RATES_NAME).read_text(encoding="utf-8")
    return parse_rates_yaml(text, name=f"migrations_plan/pricing/data/{DEFAULT_RATES_NAME}")


def rate_table(path: Path | None = None) -> RateTable:
    """The shipped table, with the rates of the user's file (if any) replacing those of the same code."""
    return default_rates() if path is None else default_rates().updated(load_rates(path))


def load_rates(path: Path) -> RateTable:
    """Rates from a YAML (.yaml/.yml) or CSV (.csv) file; every problem in it reported at once."""
    name = display_name(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return parse_rates_yaml(decode_text(read_bytes(path), name, kind="YAML"), name=name)
    if suffix == ".csv":
        header, rows = read_csv(path)
        keys = [_ALIASES.get(cell.strip().lower(), cell.strip().lower()) for cell in header]
        missing = [field for field in _FIELDS[:3] if field not in keys]
        if missing:
            raise BadInputError.single(name, f"missing column(s) {', '.join(missing)}; expected code, per_usd, "
                                       "date[, source]", row=1)
        entries = [_Entry(row, {key: cell.strip() or None for key, cell in zip(keys, cells, strict=False)})
                   for row, cells in rows]
        return _build(entries, name, default_source=name)
    raise BadInputError.single(name, f"unknown rate file format {suffix!r}; expected .yaml, .yml or .csv")


def parse_rates_yaml(text: str, *, name: str) -> RateTable:
    """Rates from YAML text: a list of {code, per_usd, date[, source]}, or a mapping holding it under `rates`."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if isinstance(root, yaml.MappingNode):
            root = next((value for key, value in root.value if key.value == "rates"), None)
        if not isinstance(root, yaml.SequenceNode):
            raise BadInputError.single(name, "expected a list of rates (code, per_usd, date[, source]), or a "
                                       "mapping with that list under `rates`", row=1)
        entries: list[_Entry] = []
        problems = Problems(name)
        for node in root.value:
            row = node.start_mark.line + 1
            if not isinstance(node, yaml.MappingNode):
                problems.add(row, "", "expected a mapping with code, per_usd, date[, source]")
                continue
            fields: dict[str, object] = {}
            for key, value in node.value:
                field = _ALIASES.get(str(key.value).strip().lower())
                if field is None:
                    problems.add(key.start_mark.line + 1, str(key.value), "unknown field; expected code, per_usd, "
                                 "date, source")
                    continue
                try:
                    fields[field] = loader.construct_object(value, deep=True)
                except ValueError as e:  # YAML reads 2023-13-45 as a date, and no calendar has that day
                    text = value.value if isinstance(value, yaml.ScalarNode) else "this value"
                    problems.add(value.start_mark.line + 1, field, f"{text!r} is not a real date ({e}); expected "
                                 "YYYY-MM-DD")
            entries.append(_Entry(row, fields))
        problems.raise_if_any()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise BadInputError.single(name, f"not valid YAML: {getattr(e, 'problem', None) or e}",
                                   row=mark.line + 1 if mark is not None else 0) from e
    finally:
        loader.dispose()
    return _build(entries, name, default_source=name)


def _build(entries: Sequence[_Entry], name: str, *, default_source: str) -> RateTable:
    problems = Problems(name)
    rates: dict[str, ExchangeRate] = {}
    first_row: dict[str, int] = {}
    for entry in entries:
        code, per_usd, as_of = _code(entry, problems), _per_usd(entry, problems), _date(entry, problems)
        if code is None or per_usd is None or as_of is None:
            continue
        if code in first_row:
            problems.add(entry.row, "code", f"{code} is given twice (first on row {first_row[code]})")
            continue
        if code == BASE_CURRENCY and per_usd != 1.0:
            problems.add(entry.row, "per_usd", f"USD is the catalog's currency: its rate is 1, got {per_usd:g}")
            continue
        first_row[code] = entry.row
        source = entry.fields.get("source")
        rates[code] = ExchangeRate(code, per_usd, as_of, str(source).strip() if source else default_source)
    problems.raise_if_any()
    rates.setdefault(BASE_CURRENCY, ExchangeRate(BASE_CURRENCY, 1.0, dt.date.min, "the catalog's own currency"))
    return RateTable(MappingProxyType(rates))


def _code(entry: _Entry, problems: Problems) -> str | None:
    value = entry.fields.get("code")
    code = str(value).strip().upper() if value is not None else ""
    if not _CODE.match(code):
        problems.add(entry.row, "code", f"expected an ISO 4217 currency code of three letters (AUD, EUR), got "
                     f"{value!r}" if value is not None else "missing currency code")
        return None
    return code


def _per_usd(entry: _Entry, problems: Problems) -> float | None:
    value = entry.fields.get("per_usd")
    if value is None:
        problems.add(entry.row, "per_usd", "missing rate: units of the currency per US dollar")
        return None
    try:
        rate = float(str(value).strip()) if not isinstance(value, bool) else math.nan
    except ValueError:
        rate = math.nan
    if not math.isfinite(rate) or rate <= 0:
        problems.add(entry.row, "per_usd", f"expected a positive number of units per US dollar, got {value!r}")
        return None
    return rate


def _date(entry: _Entry, problems: Problems) -> dt.date | None:
    value = entry.fields.get("date")
    if value is None:
        problems.add(entry.row, "date", "missing date: the day the rate is valid for")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        problems.add(entry.row, "date", f"expected the date the rate is valid for, YYYY-MM-DD, got {value!r}")
        return None
