"""The Resume form of a paused wave: built for the workloads waiting at that pause, and checked by the Prefect
server's own validator (the one `resume_flow_run` applies) before the run goes on."""

from __future__ import annotations

from typing import Any

import pytest
from prefect.utilities.schema_tools import ValidationError as ServerValidationError
from prefect.utilities.schema_tools import validate

from flows.execution.approval import Waiting, approval_form


def waiting(*names: str, environment: str = "production") -> list[Waiting]:
    return [Waiting(name, index + 1, f"{name}/approve", environment, "virtual_machine Standard_D4s_v5 eastus2",
                    f"switch {name} from the legacy system to Azure") for index, name in enumerate(names)]


def schema_of(items: list[Waiting]) -> dict[str, Any]:
    """The schema the Prefect server stores for the pause (what the UI renders and the server checks)."""
    from prefect._internal.pydantic.v2_schema import create_v2_schema

    form = approval_form(3, items)
    return create_v2_schema(form.__name__, model_base=form)


def refused(schema: dict[str, Any], answer: dict[str, Any]) -> str | None:
    try:
        validate(answer, schema, raise_on_error=True)
    except ServerValidationError as e:
        return str(e)
    return None


GOOD = {"decision": "approve", "systems": ["crm-db-01"], "approver": "carol", "change_reference": "CHG-1042",
        "comment": ""}


def test_the_form_offers_exactly_the_waiting_workloads_and_nothing_is_defaulted() -> None:
    schema = schema_of(waiting("crm-db-01", "crm-app-01"))
    properties = schema["properties"]
    items = properties["systems"]["items"]
    assert items.get("enum") == ["crm-db-01", "crm-app-01"] or \
        schema["definitions"][items["$ref"].rsplit("/", 1)[1]]["enum"] == ["crm-db-01", "crm-app-01"]
    assert set(schema["required"]) >= {"decision", "systems", "approver", "change_reference"}
    assert "default" not in properties["decision"] and "default" not in properties["systems"]
    assert properties["systems"]["minItems"] == 1
    assert [properties[name]["title"] for name in ("decision", "systems", "approver", "change_reference")] == \
        ["Decision", "Workloads", "Approver", "Change reference"]


@pytest.mark.parametrize(("change", "why"), [
    ({"systems": []}, "an empty answer approves nothing"),
    ({"systems": ["crm-db-O1"]}, "a misspelt name is refused, not ignored"),
    ({"change_reference": ""}, "production needs the change reference"),
    ({"change_reference": "   "}, "white space is no change reference"),
    ({"approver": ""}, "somebody answers"),
    ({"decision": "maybe"}, "approve or reject, nothing else"),
])
def test_the_server_refuses_an_answer_the_form_does_not_allow(change: dict[str, Any], why: str) -> None:
    schema = schema_of(waiting("crm-db-01", "crm-app-01"))
    assert refused(schema, GOOD) is None
    assert refused(schema, {**GOOD, **change}) is not None, why


def test_outside_production_the_change_reference_may_stay_empty() -> None:
    schema = schema_of(waiting("test-app-01", environment="test"))
    assert refused(schema, {**GOOD, "systems": ["test-app-01"], "change_reference": ""}) is None
    assert "change_reference" not in schema["required"]
