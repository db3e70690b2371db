"""Domain errors that people read: every problem of a rejected input, each as `file:row:column: message`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InputProblem:
    """One problem in an input file. `row` is the 1-based line (CSV) or sheet row (xlsx); 0 = the whole file."""

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row:
            where += f":{self.row}"
        if self.column:
            where += f":{self.column}"
        return f"{where}: {self.message}"


class LumenError(Exception):
    """Base of every error this project raises on purpose."""


class BadInputError(LumenError):
    """An input was rejected; nothing was written. Carries every problem found, not only the first."""

    max_shown = 50

    def __init__(self, problems: Iterable[InputProblem]) -> None:
        self.problems: tuple[InputProblem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("BadInputError needs at least one problem")
        super().__init__(self._render())

    def _render(self) -> str:
        shown = [str(problem) for problem in self.problems[: self.max_shown]]
        hidden = len(self.problems) - len(shown)
        if hidden:
            shown.append(f"... and {hidden} more problem(s)")
        return "\n".join(shown)

    @classmethod
    def single(cls, file: str, message: str, *, row: int = 0, column: str = "") -> BadInputError:
        return cls([InputProblem(file, row, column, message)])


class BadSettingsError(LumenError):
    """A setting or option is invalid (a comfort factor below 1, a wave limit of 0): bad input, exit code 2."""


class NotFoundError(LumenError):
    """Something asked for by name or id does not exist."""
