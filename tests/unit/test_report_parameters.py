"""The savings-report form: dropdowns that match what the model and the rate table know, titles and visible
defaults for the Prefect UI, and the CLI's one-line complaints."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from flows.parameters import REPORT_FORMATS, ReportParameters
from flows.report_choices import REPORT_CURRENCY_CODES, ReportCurrency, ReportScenario
from migrations_plan.pricing.currency import default_rates
from migrations_plan.savings.scenarios import SCENARIOS


def test_the_currency_dropdown_lists_the_shipped_rate_tables_codes() -> None:
    assert sorted(REPORT_CURRENCY_CODES) == sorted(default_rates().codes())
    assert list(ReportCurrency)[0] is ReportCurrency.ASSESSMENT


def test_the_scenario_dropdown_lists_the_models_scenarios() -> None:
    assert [choice.value for choice in ReportScenario if choice is not ReportScenario.ASSESSMENT] == list(SCENARIOS)


def test_every_field_has_a_title_a_description_and_a_default_the_form_shows() -> None:
    schema = ReportParameters.model_json_schema()
    assert "required" not in schema, "every field has a default: the form can be submitted as it opens"
    for name, field in schema["properties"].items():
        assert ReportParameters.model_fields[name].title == field["title"], f"{name}: a title written for people"
        assert len(field["description"]) > 30, name
        # A field a person may leave empty says in its title what empty means (no None switch in the form).
        assert "default" in field or "(empty:" in field["title"], f"{name}: a default the form shows"
    properties = schema["properties"]
    assert properties["months"]["title"] == "Horizon (months)"
    assert "anyOf" not in properties["start"] and "empty" in properties["start"]["title"]
    assert ReportParameters(start="").start is None, "left empty: the month of the run"
    assert properties["formats"]["default"] == ["xlsx", "html"]
    assert properties["formats"]["items"]["enum"] == list(REPORT_FORMATS)
    assert schema["$defs"]["ReportCurrency"]["enum"][0] == "assessment"
    assert properties["currency"]["default"] == properties["scenario"]["default"] == "assessment"


def test_none_means_the_assessments_choice_and_codes_are_read_in_any_case() -> None:
    params = ReportParameters.model_validate({"scenario": None, "currency": " eur "})
    assert (params.scenario, params.currency) == (ReportScenario.ASSESSMENT, ReportCurrency.EUR)
    assert ReportParameters(currency=None).currency is ReportCurrency.ASSESSMENT  # type: ignore[arg-type]
    assert ReportParameters(start=dt.date(2027, 3, 9)).first_month() == dt.date(2027, 3, 9)
    assert ReportParameters().first_month() == dt.datetime.now(dt.UTC).date().replace(day=1)


@pytest.mark.parametrize(("fields", "message"), [
    ({"scenario": "cheap"}, "unknown scenario 'cheap'; expected one of payg, ri1y, ri3y, payg_ahb"),
    ({"currency": "ZZZ"}, "report files are written in one of AUD, BRL, CAD"),
    ({"formats": ["xlsx", "pdf"]}, "unknown report format(s) pdf; expected csv, xlsx, json, html"),
    ({"name": "../savings"}, "is a file name, not a path"),
    ({"name": "savings-{wave}"}, "unknown placeholder(s) {wave}; expected {date}, {run} or {month}"),
    ({"months": 0}, "greater than or equal to 1"),
])
def test_bad_values_are_refused_saying_what_is_expected(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        ReportParameters.model_validate(fields)
    assert message in str(raised.value)
