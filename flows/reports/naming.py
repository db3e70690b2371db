"""Names of report files: a template filled per run, and a free name claimed so no run overwrites another's files.

A template such as "savings-{date}-{run}" is filled with the run's date, the flow run's name and the first month
of the projection. Two runs can still land on one name (the same month's report run twice, a name without
placeholders): unless replacing is asked for, the later run takes "-2", "-3", ... and claims its files by creating
them exclusively, so two runs at the same moment cannot take the same name either.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Callable, Sequence
from pathlib import Path

PLACEHOLDERS = ("date", "run", "month")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_SUFFIX = 10_000


def file_name_problem(template: str) -> str | None:
    """What is wrong with a file name template, or None: it names files in one folder (no path), and its only
    placeholders are {date}, {run} and {month}."""
    if not template.strip():
        return "a file name is needed"
    if "/" in template or "\\" in template or template.startswith("."):
        return f"{template!r} is a file name, not a path (no / or \\, not starting with .); the folder is separate"
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template)
                  if name is not None]
    except ValueError as e:
        return f"{template!r}: {e} (a literal brace is written {{{{ or }}}})"
    unknown = ["{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
               for name, spec, conversion in fields if name not in PLACEHOLDERS or spec or conversion]
    if unknown:
        return f"{template!r}: unknown placeholder(s) {', '.join(unknown)}; expected {{date}}, {{run}} or {{month}}"
    return None


def file_stem(template: str, *, run_date: dt.date, run_name: str, month: dt.date) -> str:
    """The template filled in: {date} YYYY-MM-DD, {run} the run's name (kept to letters, digits, - _ .),
    {month} YYYY-MM."""
    run = _UNSAFE.sub("-", run_name).strip("-.") or "run"
    return template.format(date=run_date.isoformat(), run=run, month=f"{month:%Y-%m}")


def claim_stem(stem: str, paths_of: Callable[[str], Sequence[Path]], *, replace: bool) -> str:
    """`stem`, or the first of stem-2, stem-3, ... whose files (`paths_of(candidate)`) all do not exist yet; they are
    created empty here, exclusively, for the writers to fill. With `replace`, `stem` as it is."""
    if replace:
        return stem
    for number in range(1, MAX_SUFFIX):
        candidate = stem if number == 1 else f"{stem}-{number}"
        paths = paths_of(candidate)
        if any(path.exists() for path in paths):
            continue
        created: list[Path] = []
        try:
            for path in paths:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("xb"):
                    created.append(path)
        except FileExistsError:  # another run took one of them between the check and now
            for path in created:
                path.unlink(missing_ok=True)
            continue
        return candidate
    raise FileExistsError(f"{stem}: {MAX_SUFFIX - 1} report files of this name already exist")
