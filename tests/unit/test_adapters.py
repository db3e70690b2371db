"""Shell adapters: the YAML file engineers write (every problem at once, naming the key), and the commands run
with the workload's values filled in, without a shell."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from flows.execution.adapters import ShellAdapter, context_values
from flows.execution.backend import BackendError, StepContext
from inventory.errors import BadInputError
from migrations_plan.execution import StepKind

CTX = StepContext(7, 3, 42, "web-01; rm -rf /", "web-01/replicate", StepKind.REPLICATE, region="westeurope",
                  target_sku="Standard_D2s_v5")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "adapters.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_command_gets_the_workload_values_as_separate_arguments(tmp_path: Path) -> None:
    script = "import sys; print('|'.join(sys.argv[1:]))"
    adapter = ShellAdapter.from_file(write(tmp_path, f"""
replicate: [{sys.executable!r}, "-c", {script!r}, "{{system}}", "{{wave}}", "{{run}}", "{{region}}", "{{sku}}",
            "{{resource_group}}", "{{resources}}"]
"""))
    outcome = adapter.act("replicate", CTX, ("/sub/a", "/sub/b"), context_values(CTX, resource_group="lm-wave-3"))
    # The system name with a shell metacharacter is one argument, not a second command.
    assert outcome.detail["stdout"].strip() == "web-01; rm -rf /|3|7|westeurope|Standard_D2s_v5|lm-wave-3|/sub/a /sub/b"


def test_an_operation_without_a_command_does_nothing_and_says_so(tmp_path: Path) -> None:
    adapter = ShellAdapter.from_file(write(tmp_path, "cutover: echo cut {system}\n"))
    assert adapter.act("validate", CTX, (), context_values(CTX)).detail == {"adapter": "not configured",
                                                                           "operation": "validate"}


def test_a_failing_command_fails_the_step_with_its_output(tmp_path: Path) -> None:
    adapter = ShellAdapter.from_file(write(tmp_path, f"""
cutover: [{sys.executable!r}, "-c", "import sys; print('dns zone locked', file=sys.stderr); sys.exit(3)"]
"""))
    with pytest.raises(BackendError, match=r"cutover of web-01.*exited 3: dns zone locked"):
        adapter.act("cutover", CTX, (), context_values(CTX))


@pytest.mark.parametrize(("text", "expected"), [
    ("replicat: echo x\n", "replicat: unknown operation"),
    ("replicate: 12\n", "replicate: expected a command"),
    ("replicate: []\n", "replicate: expected a command"),
    ("replicate: echo {sytem}\n", "replicate: unknown placeholder(s) {sytem}"),
    ("- replicate\n", "expected a mapping of operation to command"),
    ("replicate: [unclosed\n", "not valid YAML"),
])
def test_a_bad_adapter_file_is_refused_naming_the_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(BadInputError) as raised:
        ShellAdapter.from_file(write(tmp_path, text))
    assert expected in str(raised.value)
    assert "adapters.yaml" in str(raised.value)


def test_every_problem_of_the_file_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(BadInputError) as raised:
        ShellAdapter.from_file(write(tmp_path, "replicat: echo\ncutover: echo {nope}\nvalidate: echo ok\n"))
    assert len(raised.value.problems) == 2
