"""How a flow run ends when the outcome is normal but not a plain success: a named state, never a traceback.

A flow that finds its input cannot be acted on (an unknown wave, a file that is not there) returns `refused(...)`:
the run ends Failed, named "Refused", with one line a person can act on, and nothing was changed. A flow whose
work ended in a way people expect (approvals rejected, nothing due, a dry run) returns `finished(...)`: Completed
under a name that says which, carrying the flow's result. Called directly (the CLI, a parent flow), a refused run
raises `prefect.exceptions.FailedRun` with the message; a finished one returns its data.
"""

from __future__ import annotations

from typing import Any

from prefect.client.schemas.objects import State
from prefect.states import Completed, Failed

from inventory.errors import BadInputError

REFUSED = "Refused"


def refused(message: str) -> State[Any]:
    """End the run Failed, named Refused, with `message` (one line: what is wrong and what to do)."""
    return Failed(name=REFUSED, message=message)


def finished(data: Any, *, name: str, message: str) -> State[Any]:
    """End the run Completed under `name` ("Completed with rejections"), `message` saying what happened."""
    return Completed(name=name, message=message, data=data)


def rejected(error: BadInputError) -> State[Any]:
    """Refused for bad input, `error` attached: the UI shows one line (the first problem and how many there are),
    and a direct caller (the CLI, a parent flow) gets `error` itself raised, every problem in it."""
    problems = error.problems
    line = f"{problems[0]} (nothing was written)" if len(problems) == 1 else \
        f"rejected, nothing was written: {len(problems)} problems, the first {problems[0]}"
    return refused(line).model_copy(update={"data": error})
