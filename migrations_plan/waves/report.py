"""The readable form of a wave plan: what moves when, then what needs an engineer's attention."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migrations_plan.waves.model import Wave, WavePlan

GROUPS_SHOWN_PER_WAVE = 8
ITEMS_SHOWN = 10


def render_plan(plan: WavePlan) -> str:
    planned = sum(len(w.systems) for w in plan.waves)
    lines = [
        f"Wave plan: {planned} systems in {len(plan.waves)} waves, {len(plan.groups)} move groups; "
        f"{len(plan.excluded)} excluded, {len(plan.oversized)} oversized groups, {len(plan.cycles)} cycles, "
        f"{len(plan.warnings)} warnings"
    ]
    for wave in plan.waves:
        lines.extend(_wave_lines(wave))
    if plan.excluded:
        lines.append("Excluded:")
        for reason, count in sorted(Counter(plan.excluded.values()).items()):
            lines.append(f"  {count} system(s): {reason}")
    if plan.oversized:
        lines.append("Oversized groups (each has a wave to itself):")
        for item in plan.oversized[:ITEMS_SHOWN]:
            limits = ", ".join(limit.value for limit in item.limits)
            lines.append(f"  group {item.group.id}: {item.group.size} systems, {item.group.storage_tb:.2f} TB "
                         f"(over {limits}){'; ' + item.note if item.note else ''}")
            lines.extend(f"    cut? {suggestion.reason}" for suggestion in item.cut_suggestions[:3])
        lines.extend(_more(len(plan.oversized)))
    if plan.cycles:
        lines.append("Dependency cycles between groups (order inside each cycle is free):")
        lines.extend(f"  groups {', '.join(map(str, cycle))}" for cycle in plan.cycles[:ITEMS_SHOWN])
        lines.extend(_more(len(plan.cycles)))
    if plan.warnings:
        lines.append("Warnings:")
        lines.extend(f"  {warning}" for warning in plan.warnings[:ITEMS_SHOWN])
        lines.extend(_more(len(plan.warnings)))
    return "\n".join(lines)


def _wave_lines(wave: Wave) -> list[str]:
    flags = [flag for flag, on in (("frozen", wave.frozen), ("pinned", wave.pinned)) if on]
    head = (f"{wave.name} on {wave.date.isoformat()}: {len(wave.systems)} systems, {wave.storage_tb:.2f} TB"
            + (f" [{', '.join(flags)}]" if flags else ""))
    lines = [head]
    for group in wave.groups[:GROUPS_SHOWN_PER_WAVE]:
        what = ", ".join(group.applications[:3]) or f"{group.size} system(s)"
        lines.append(f"  group {group.id} ({group.size} systems, {'/'.join(group.environments)}): {what} - "
                     f"{group.reason}")
    if len(wave.groups) > GROUPS_SHOWN_PER_WAVE:
        lines.append(f"  ... and {len(wave.groups) - GROUPS_SHOWN_PER_WAVE} more groups")
    return lines


def _more(total: int) -> list[str]:
    return [f"  ... and {total - ITEMS_SHOWN} more"] if total > ITEMS_SHOWN else []
