"""The Prefect UI forms of the planning flows, as their JSON schemas: every field titled and visible, known lists as
choices, nothing a person may leave empty behind Prefect's "type or None" switch, and the CLI's shapes (pins,
overrides) as lists of typed rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from flows.parameters import (
    IMPORT_FORMATS,
    AssessParameters,
    CatalogParameters,
    DemoParameters,
    ImportParameters,
    Override,
    Pin,
    PlanParameters,
)
from inventory.errors import BadInputError
from inventory.importers import Format
from migrations_plan.assessment.series import AZURE_MIGRATE_SERIES
from migrations_plan.pricing.currency import default_rates
from migrations_plan.pricing.store import active_catalog_path, load_catalog

MODELS: list[type[BaseModel]] = [AssessParameters, PlanParameters, DemoParameters, ImportParameters,
                                 CatalogParameters]


def field_schema(model: type[BaseModel], name: str) -> dict[str, Any]:
    """A field's schema with a `$ref` (an enum, a row model) replaced by what it refers to, as the UI reads it."""
    schema = model.model_json_schema()
    field: dict[str, Any] = schema["properties"][name]
    if "$ref" in field:
        field = {**schema["$defs"][field["$ref"].rsplit("/", 1)[-1]], **field}
    items = field.get("items", {})
    if "$ref" in items:
        field = {**field, "items": schema["$defs"][items["$ref"].rsplit("/", 1)[-1]]}
    return field


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_field_has_a_title_of_its_own_and_no_none_switch(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    assert schema["description"], "the form's heading says what the run does"
    for name, field in schema["properties"].items():
        assert model.model_fields[name].title, f"{name}: a title written for the form, not one made of its name"
        assert field["title"] == model.model_fields[name].title, name
        assert "anyOf" not in field and "oneOf" not in field, f"{name} would show Prefect's type switch"
    assert schema.get("required", []) == (["path"] if model is ImportParameters else [])


@pytest.mark.parametrize(("model", "name", "choices", "default"), [
    (AssessParameters, "sizing", ["performance-based", "as-on-premises"], "performance-based"),
    (AssessParameters, "pricing", ["payg", "ri1y", "ri3y"], "payg"),
    (AssessParameters, "percentile", [50, 90, 95, 99], 95),
    (AssessParameters, "default_environment", ["production", "staging", "test", "development", "dr"],
     "production"),
    (AssessParameters, "currency", list(default_rates().codes()), "USD"),
    (AssessParameters, "region", list(load_catalog(active_catalog_path()).regions()), "eastus2"),
    (PlanParameters, "objective", ["cash-12m", "cash-36m", "risk-first"], "cash-12m"),
    (ImportParameters, "format", ["auto", *(fmt.value for fmt in Format)], "auto"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_known_lists_are_choices_with_their_default(model: type[BaseModel], name: str, choices: list[Any],
                                                    default: Any) -> None:
    field = field_schema(model, name)
    assert field["enum"] == choices
    assert field["default"] == default
    assert field["title"] not in {"SizingCriterion", "PricingOption", "Environment"}


def test_list_fields_are_lists_of_choices_or_typed_rows() -> None:
    assert field_schema(AssessParameters, "series")["items"]["enum"] == list(AZURE_MIGRATE_SERIES)
    pins = field_schema(PlanParameters, "pins")["items"]
    assert pins["required"] == ["system", "wave"] and pins["properties"]["wave"]["minimum"] == 0
    overrides = field_schema(AssessParameters, "overrides")["items"]
    assert overrides["required"] == ["system", "strategy"]
    strategy = AssessParameters.model_json_schema()["$defs"]["Strategy"]
    assert strategy["enum"] == ["rehost", "replatform", "refactor", "repurchase", "retire", "retain", "relocate"]
    assert field_schema(PlanParameters, "freeze")["items"]["minimum"] == 0
    assert field_schema(CatalogParameters, "regions")["default"] == ["eastus2"]


@pytest.mark.parametrize(("model", "name", "json_type"), [
    (PlanParameters, "start", {"type": "string", "format": "date"}),
    (PlanParameters, "no_production_before", {"type": "integer", "minimum": 0}),
    (PlanParameters, "max_production_per_wave", {"type": "integer", "minimum": 1}),
    (AssessParameters, "rules", {"type": "string"}),
    (ImportParameters, "source", {"type": "string"}),
    (CatalogParameters, "out", {"type": "string"}),
])
def test_a_field_that_may_be_left_empty_is_a_plain_field_saying_what_empty_means(
        model: type[BaseModel], name: str, json_type: dict[str, Any]) -> None:
    field = field_schema(model, name)
    assert {key: field[key] for key in json_type} == json_type
    assert "default" not in field, "the form would send the null default, which the schema refuses"
    assert "empty" in f"{field['title']} {field.get('description', '')}".lower()


def test_empty_means_the_documented_default() -> None:
    assert PlanParameters().start is None
    assert PlanParameters().first_wave(dt.date(2030, 1, 1)) == dt.date(2030, 1, 15)
    assert PlanParameters(start=dt.date(2030, 3, 4)).first_wave(dt.date(2030, 1, 1)) == dt.date(2030, 3, 4)
    assert AssessParameters(rules="  ").rules is None
    assert ImportParameters(path="estate.csv", source="").source is None


@pytest.mark.parametrize(("model", "fields", "message"), [
    (PlanParameters, {"pins": [{"system": "crm-01", "wave": -1}]}, "greater than or equal to 0"),
    (PlanParameters, {"pins": [{"system": "", "wave": 1}]}, "at least 1 character"),
    (PlanParameters, {"max_systems": 0}, "greater than or equal to 1"),
    (PlanParameters, {"out": ["plan.pdf"]}, "should match pattern"),
    (PlanParameters, {"objective": "cash-6m"}, "unknown objective 'cash-6m'"),
    (AssessParameters, {"overrides": [{"system": "crm-01", "strategy": "rebuy"}]}, "Input should be 'rehost'"),
    (AssessParameters, {"percentile": 80}, "expected one of 50, 90, 95, 99"),
    (AssessParameters, {"default_environment": "unknown"}, "expected production, staging"),
    (ImportParameters, {"path": "x.csv", "format": "excel"}, "unknown format 'excel'"),
    (ImportParameters, {"path": ""}, "at least 1 character"),
    (CatalogParameters, {"regions": ["East US 2"]}, "should match pattern"),
    (CatalogParameters, {"regions": []}, "at least 1 item"),
    (DemoParameters, {"systems": 5}, "greater than or equal to 10"),
])
def test_what_the_form_refuses_the_model_refuses(model: type[BaseModel], fields: dict[str, Any],
                                                   message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        model.model_validate(fields)


def test_pins_and_overrides_are_rows() -> None:
    params = PlanParameters.model_validate({"pins": [{"system": "crm-01", "wave": 3}]})
    assert params.pins == [Pin(system="crm-01", wave=3)]
    assess = AssessParameters.model_validate({"overrides": [{"system": "crm-01", "strategy": "retain"}],
                                              "override_reason": "contract"})
    assert [(row.system, str(row.strategy)) for row in assess.overrides] == [("crm-01", "retain")]
    assert isinstance(assess.overrides[0], Override)


def test_path_fields_say_where_a_relative_path_goes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LUMEN_MIGRATE_FILES_DIR", str(tmp_path / "files"))
    for model, name in ((DemoParameters, "folder"), (ImportParameters, "path"), (PlanParameters, "out"),
                        (AssessParameters, "rules"), (CatalogParameters, "out")):
        described = field_schema(model, name)["description"]
        assert f"A relative path is taken under {tmp_path / 'files'} (its files folder" in described, (model, name)


def test_the_import_formats_are_the_importers_formats() -> None:
    assert IMPORT_FORMATS == ("auto", *(fmt.value for fmt in Format))


def test_the_flows_take_their_model_as_one_required_parameter() -> None:
    from prefect.utilities.callables import parameter_schema

    from flows.assess_flow import assess_flow
    from flows.catalog_flow import refresh_price_catalog
    from flows.demo_flow import demo_flow
    from flows.import_flow import import_inventory
    from flows.plan_flow import plan_flow

    for flow_fn, model in ((assess_flow, AssessParameters), (plan_flow, PlanParameters), (demo_flow, DemoParameters),
                           (import_inventory, ImportParameters), (refresh_price_catalog, CatalogParameters)):
        schema = parameter_schema(flow_fn).model_dump()
        assert list(schema["properties"]) == ["params"] and schema["required"] == ["params"], flow_fn.name
        assert schema["properties"]["params"]["$ref"] == f"#/definitions/{model.__name__}", flow_fn.name


def test_an_inventory_file_is_checked_before_anything_starts(tmp_path: Path) -> None:
    from flows.parameters import inventory_format

    with pytest.raises(BadInputError, match="file not found"):
        inventory_format(tmp_path / "nope.csv", "auto")
    with pytest.raises(BadInputError, match="not a file"):
        inventory_format(tmp_path, "auto")
    (tmp_path / "deps.csv").write_text("source,target,port\na,b,443\n", encoding="utf-8")
    assert inventory_format(tmp_path / "deps.csv", "auto") == "dependency-csv"
