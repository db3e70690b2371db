"""The cyclic collector paused for bulk work, and back on however the work ends."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from inventory.collector import collector_paused


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_on_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_comes_back_on_when_the_work_fails() -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("bad row")
    assert gc.isenabled()


def test_an_inner_block_leaves_it_to_the_outer_one() -> None:
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled(), "the inner block must not switch it on under the outer one"
    assert gc.isenabled()


def test_a_collector_someone_switched_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_as_a_decorator_it_pauses_each_call() -> None:
    seen: list[bool] = []

    @collector_paused()
    def work(n: int) -> int:
        seen.append(gc.isenabled())
        return n * 2

    assert work(2) == 4 and work(3) == 6
    assert seen == [False, False] and gc.isenabled()


def test_the_bulk_stage_tasks_run_with_it_paused() -> None:
    """The stages that read or write a whole estate (import, assess, plan, report) are the ones it is for."""
    from flows import assess_flow, import_flow, plan_flow, report_flow

    tasks = [import_flow.parse_inventory_file, import_flow.write_inventory, assess_flow.assess_estate,
             assess_flow.store_assessment, plan_flow.compute_plan, plan_flow.store_plan, plan_flow.export_plan,
             report_flow.load_inputs, report_flow.project_savings, report_flow.write_files]
    for task in tasks:
        managers = [cell.cell_contents for cell in task.fn.__closure__ or ()]
        assert any(getattr(m, "func", None) is collector_paused.__wrapped__ for m in managers), \
            f"{task.name} runs with the collector on"
