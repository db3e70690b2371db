"""Exchange rates: the shipped table, conversions with the arithmetic written out, and users' rate files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from flows.money_display import converted_json, converted_text, display_conversion, money_text
from inventory.errors import BadInputError
from migrations_plan.pricing.currency import (
    BASE_CURRENCY,
    ExchangeRate,
    RateTable,
    UnknownCurrencyError,
    default_rates,
    format_money,
    load_rates,
    parse_rates_yaml,
    rate_table,
)

AUD = ExchangeRate("AUD", 1.5, dt.date(2026, 7, 1), "test")
EUR = ExchangeRate("EUR", 0.8, dt.date(2026, 7, 1), "test")
USD = ExchangeRate("USD", 1.0, dt.date(2026, 7, 1), "test")
TABLE = RateTable({"AUD": AUD, "EUR": EUR, "USD": USD})


@pytest.mark.parametrize(("source", "target", "amount", "expected"), [
    ("USD", "AUD", 100.0, 150.0),        # 100 x 1.5
    ("USD", "EUR", 100.0, 80.0),         # 100 x 0.8
    ("AUD", "USD", 150.0, 100.0),        # 150 / 1.5
    ("EUR", "AUD", 80.0, 150.0),         # 80 / 0.8 = 100 USD, x 1.5
    ("AUD", "EUR", 300.0, 160.0),        # 300 / 1.5 = 200 USD, x 0.8
    ("EUR", "EUR", 123.45, 123.45),      # same currency: not converted
    ("usd", "aud", -10.0, -15.0),        # any case; a negative amount stays negative
])
def test_conversions_go_through_usd(source: str, target: str, amount: float, expected: float) -> None:
    assert TABLE.conversion(source, target).apply(amount) == pytest.approx(expected)


def test_a_conversion_says_which_rates_and_dates_it_used() -> None:
    assert str(TABLE.from_usd("AUD")) == "USD -> AUD at 1.5 AUD per USD, rate of 2026-07-01 (test)"
    assert str(TABLE.conversion("EUR", "AUD")) == ("EUR -> AUD via USD at 0.8 EUR per USD, rate of 2026-07-01 "
                                                    "(test); 1.5 AUD per USD, rate of 2026-07-01 (test)")
    assert str(TABLE.conversion("EUR", "EUR")) == "in EUR, not converted"
    assert TABLE.from_usd("USD").identity


@pytest.mark.parametrize(("amount", "code", "decimals", "text"), [
    (12345.4, "USD", 0, "$12,345"),
    (12345.5, "AUD", 2, "AUD 12,345.50"),
    (-462.76, "EUR", 0, "-EUR 463"),
])
def test_money_is_printed_with_its_currency(amount: float, code: str, decimals: int, text: str) -> None:
    assert format_money(amount, code, decimals=decimals) == text


def test_an_unknown_currency_names_every_known_one() -> None:
    with pytest.raises(UnknownCurrencyError) as raised:
        TABLE.get("XYZ")
    assert "unknown currency 'XYZ': the rate table knows AUD, EUR, USD; add it with --rates FILE" in str(raised.value)


def test_the_shipped_table_is_dated_sourced_and_knows_the_usual_currencies() -> None:
    table = default_rates()
    assert {"USD", "EUR", "GBP", "AUD", "CAD", "JPY", "INR", "SEK", "NOK", "DKK"} <= set(table.codes())
    assert table.get(BASE_CURRENCY).per_usd == 1.0
    for code in table.codes():
        rate = table.get(code)
        assert rate.per_usd > 0 and rate.source and rate.as_of.year >= 2023, rate
    # The Azure Retail Prices API ratio of 2026-08-03 (see the data file): EUR 9.182975 / USD 10.464 for D96s_v5.
    assert table.get("EUR").per_usd == pytest.approx(9.182975 / 10.464, rel=1e-6)
    assert table.get("EUR").as_of == dt.date(2026, 8, 3)
    assert table.get("AUD").as_of == dt.date(2023, 7, 20) and "approximate" in table.get("AUD").source


def test_a_users_csv_replaces_rates_by_code_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("code,per_usd,date,source\naud,1.52,2026-07-31,RBA\nXTS,2,2026-07-31,\n", encoding="utf-8")
    table = rate_table(path)
    assert table.get("AUD") == ExchangeRate("AUD", 1.52, dt.date(2026, 7, 31), "RBA")
    assert table.get("XTS").source == str(path), "a rate without a source is sourced to the file"
    assert table.get("EUR") == default_rates().get("EUR")
    assert table.from_usd("AUD").apply(1000.0) == pytest.approx(1520.0)  # 1000 x 1.52


def test_a_users_yaml_may_be_a_list_or_a_mapping_with_rates(tmp_path: Path) -> None:
    listed = tmp_path / "list.yaml"
    listed.write_text("- {code: AUD, per_usd: 1.5, date: 2026-07-01}\n", encoding="utf-8")
    mapped = tmp_path / "mapped.yml"
    mapped.write_text("rates:\n  - code: AUD\n    rate: 1.5\n    as_of: '2026-07-01'\n    source: mine\n",
                      encoding="utf-8")
    assert load_rates(listed).get("AUD").per_usd == load_rates(mapped).get("AUD").per_usd == 1.5
    assert load_rates(mapped).get("AUD").source == "mine"


def test_every_bad_row_of_a_rate_file_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("code,per_usd,date\nAUDD,1.5,2026-07-01\nEUR,-1,2026-07-01\nGBP,0.75,July\nUSD,2,2026-07-01\n"
                    "CAD,1.3,2026-07-01\nCAD,1.4,2026-07-02\nNZD,,2026-07-01\n", encoding="utf-8")
    with pytest.raises(BadInputError) as raised:
        load_rates(path)
    assert [str(problem).removeprefix(f"{path}:") for problem in raised.value.problems] == [
        "2:code: expected an ISO 4217 currency code of three letters (AUD, EUR), got 'AUDD'",
        "3:per_usd: expected a positive number of units per US dollar, got '-1'",
        "4:date: expected the date the rate is valid for, YYYY-MM-DD, got 'July'",
        "5:per_usd: USD is the catalog's currency: its rate is 1, got 2",
        "7:code: CAD is given twice (first on row 6)",
        "8:per_usd: missing rate: units of the currency per US dollar",
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("- {code: AUD, per_usd: 1.5, date: 2026-07-01, colour: red}\n", "rates.yaml:1:colour: unknown field"),
    ("just: text\n", "rates.yaml:1: expected a list of rates"),
    ("- [AUD\n", "rates.yaml:2: not valid YAML"),
])
def test_bad_yaml_rate_files_say_where(text: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        parse_rates_yaml(text, name="rates.yaml")


def test_an_impossible_date_in_a_yaml_rate_file_is_reported_at_its_line(tmp_path: Path) -> None:
    # YAML reads 2023-13-45 as a date and fails on it: each such value is a problem of its own line, all at once.
    path = tmp_path / "rates.yaml"
    path.write_text("rates:\n  - code: AUD\n    per_usd: 1.5\n    date: 2023-13-45\n"
                    "  - {code: EUR, per_usd: 0.8, date: 2023-02-30}\n"
                    "  - {code: GBP, per_usd: 0.75, date: 2023-02-28}\n", encoding="utf-8")
    with pytest.raises(BadInputError) as raised:
        load_rates(path)
    assert [str(problem) for problem in raised.value.problems] == [
        f"{path}:4:date: '2023-13-45' is not a real date (month must be in 1..12); expected YYYY-MM-DD",
        f"{path}:5:date: '2023-02-30' is not a real date (day is out of range for month); expected YYYY-MM-DD",
    ]


def test_a_rate_file_of_another_kind_or_missing_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="unknown rate file format '.txt'"):
        load_rates(tmp_path / "rates.txt")
    with pytest.raises(BadInputError, match="file not found"):
        display_conversion("AUD", tmp_path / "missing.csv")
    (tmp_path / "rates.csv").write_text("currency,per_usd\nAUD,1.5\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="missing column"):
        load_rates(tmp_path / "rates.csv")


def test_the_command_line_prints_the_rate_and_its_date_beside_a_converted_amount(tmp_path: Path) -> None:
    path = tmp_path / "rates.yaml"
    path.write_text("- {code: AUD, per_usd: 1.5, date: 2026-07-01, source: test}\n", encoding="utf-8")
    conversion = display_conversion("aud", path)
    assert conversion is not None
    assert money_text(conversion, 1000.0) == "AUD 1,500" and money_text(None, 1000.0) == "$1,000"
    assert converted_text(conversion, 1000.0, "/month") == " = AUD 1,500/month (1.5 AUD per USD, rate of 2026-07-01)"
    assert converted_json(conversion, {"azure_monthly": 1000.0}) == {"converted": {
        "currency": "AUD", "per_usd": 1.5, "date": "2026-07-01", "source": "test", "azure_monthly": 1500.0}}
    assert display_conversion(None, None) is None and display_conversion("USD", None) is None
    assert converted_text(None, 1000.0) == "" and converted_json(None, {"x": 1.0}) == {}
