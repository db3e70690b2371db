"""Database side of wave planning: frozen waves and pins in, the new plan out (in bulk)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import bindparam, delete, insert, select, update
from sqlmodel import Session, col

from flows.assessment_store import system_id_by_name
from flows.parameters import Pin
from inventory.bulk import BulkStatement
from inventory.errors import BadInputError
from inventory.lifecycle import set_state
from inventory.tables import (
    PlanExclusion,
    SystemState,
    Wave,
    WaveMember,
    WavePin,
    WaveRun,
    WaveStatus,
    table_of,
    utcnow,
)
from migrations_plan.waves import FrozenWave, WavePlan, WavePolicy

# Waves whose content re-planning must keep: they have started, finished, or an engineer froze them.
_KEPT_STATUSES = (WaveStatus.STARTED.value, WaveStatus.COMPLETED.value, WaveStatus.ROLLED_BACK.value)


class StoredPlan(BaseModel):
    """What storing a plan wrote: the waves (re)written, the kept ones left alone, members and exclusions."""

    model_config = ConfigDict(frozen=True)

    waves: int
    kept_waves: int
    planned_systems: int
    excluded: int


def _kept_waves(session: Session) -> list[Wave]:
    """Started, finished, frozen waves, and any wave a run has touched (a run freezes its wave when it starts;
    the run's rows keep pointing at it)."""
    ran = select(col(WaveRun.wave_id))
    return list(session.scalars(select(Wave).where(
        (col(Wave.status).in_(_KEPT_STATUSES)) | (col(Wave.frozen).is_(True)) | (col(Wave.id).in_(ran)))
        .order_by(col(Wave.number))))


def load_frozen(*, session: Session, also: Sequence[int] = ()) -> list[FrozenWave]:
    """Started, finished and frozen waves (and the waves numbered in `also`, about to be frozen), with their
    members, exactly as stored."""
    frozen = []
    kept = _kept_waves(session)
    known = {wave.number for wave in kept}
    kept += [wave for wave in session.scalars(select(Wave).where(col(Wave.number).in_(also)))
             if wave.number not in known]
    for wave in sorted(kept, key=lambda w: w.number):
        members = session.scalars(select(col(WaveMember.system_id)).where(col(WaveMember.wave_id) == wave.id))
        frozen.append(FrozenWave(number=wave.number, date=wave.planned_date, system_ids=frozenset(members)))
    return frozen


def load_pins(*, session: Session) -> dict[int, int]:
    return {pin.system_id: pin.wave_number for pin in session.scalars(select(WavePin))}


def parse_pin(text: str) -> Pin:
    """`SYSTEM=WAVE` from the command line."""
    name, sep, number = text.partition("=")
    if not sep or not name.strip() or not number.strip().isdigit():
        raise BadInputError.single("--pin", f"expected SYSTEM=WAVE_NUMBER, got {text!r}")
    return Pin(system=name.strip(), wave=int(number))


def resolve_pins(pins: Sequence[Pin], *, session: Session) -> dict[int, int]:
    """The pins as system id -> wave number, a later pin of the same system winning (bad input names the first
    unknown or ambiguous system)."""
    return {system_id_by_name(pin.system, session=session, what="--pin"): pin.wave for pin in pins}


def check_waves_exist(numbers: Sequence[int], *, session: Session) -> None:
    existing = set(session.scalars(select(col(Wave.number)).where(col(Wave.number).in_(numbers))))
    missing = sorted(set(numbers) - existing)
    if missing:
        raise BadInputError.single("--freeze", f"no wave numbered {', '.join(map(str, missing))} in the current "
                                   "plan: there is nothing to freeze until a plan has that wave")


def save_pins(pins: Mapping[int, int], *, reason: str, session: Session) -> None:
    now = utcnow()
    for system_id, number in pins.items():
        session.execute(delete(WavePin).where(col(WavePin.system_id) == system_id))
        session.execute(insert(table_of(WavePin)).values(system_id=system_id, wave_number=number, reason=reason,
                                                         created_at=now))


def freeze_waves(numbers: Sequence[int], *, session: Session) -> None:
    """Freeze planned waves so that re-planning keeps them."""
    session.execute(update(table_of(Wave)).where(table_of(Wave).c.number.in_(numbers)).values(frozen=True))


def save_plan(plan: WavePlan, policy: WavePolicy, *, session: Session) -> StoredPlan:
    """Store `plan`: kept waves stay as they are; a planned wave keeps its row (and id) when the new plan has a
    wave of its number, gets the new date, size and members; planned waves the plan no longer has are deleted."""
    kept = {wave.number for wave in _kept_waves(session)}
    wave_table = table_of(Wave)
    replaceable = dict(session.execute(select(wave_table.c.number, wave_table.c.id)
                                       .where(wave_table.c.number.notin_(kept))).all())
    session.execute(delete(WaveMember).where(col(WaveMember.wave_id).in_(list(replaceable.values()))))
    session.execute(delete(PlanExclusion))
    new_waves = [wave for wave in plan.waves if wave.number not in kept]
    numbers = {wave.number for wave in new_waves}
    gone = [wave_id for number, wave_id in replaceable.items() if number not in numbers]
    if gone:
        session.execute(delete(wave_table).where(wave_table.c.id.in_(gone)))

    def values(wave: Any) -> dict[str, Any]:
        return {"number": wave.number, "name": wave.name, "planned_date": wave.date,
                "status": WaveStatus.PLANNED.value, "frozen": False, "max_systems": policy.max_systems,
                "max_tb": policy.max_tb, "systems": len(wave.systems), "storage_tb": wave.storage_tb}

    reused = [wave for wave in new_waves if wave.number in replaceable]
    if reused:
        session.execute(update(wave_table).where(wave_table.c.id == bindparam("wave_id")),
                        [{"wave_id": replaceable[wave.number], **values(wave)} for wave in reused])
    added = [wave for wave in new_waves if wave.number not in replaceable]
    # One INSERT ... RETURNING for every new wave (thousands at 100,000 systems): a round trip per wave costs
    # seconds on a database server.
    wave_ids = {wave.number: replaceable[wave.number] for wave in reused}
    if added:
        wave_ids.update(session.execute(
            insert(wave_table).returning(wave_table.c.number, wave_table.c.id, sort_by_parameter_order=True),
            [values(wave) for wave in added]).all())
    group_of = {sid: group for group in plan.groups for sid in group.system_ids}
    members: list[tuple[Any, ...]] = []
    for wave in new_waves:
        wave_id = wave_ids[wave.number]
        for sid in sorted(wave.systems):
            group = group_of.get(sid)
            members.append((wave_id, sid, str(group.id) if group else "", group.reason if group else ""))
    BulkStatement(session, insert(table_of(WaveMember)), ("wave_id", "system_id", "group_key", "group_reason")
                  ).run(members)
    exclusions = sorted(plan.excluded.items())
    BulkStatement(session, insert(table_of(PlanExclusion)), ("system_id", "reason")).run(exclusions)
    _set_states(session)
    return StoredPlan(waves=len(new_waves), kept_waves=len(kept), planned_systems=len(members),
                      excluded=len(exclusions))


def _set_states(session: Session) -> None:
    """Members of a wave are planned, exclusions excluded, unless execution already moved them further."""
    member, exclusion = table_of(WaveMember), table_of(PlanExclusion)
    set_state(select(member.c.system_id), SystemState.PLANNED, session=session)
    set_state(select(exclusion.c.system_id), SystemState.EXCLUDED, session=session)


def wave_overview(*, session: Session) -> list[dict[str, Any]]:
    """What `status` shows of the plan: every wave with its date, size and status."""
    return [
        {"number": wave.number, "name": wave.name, "date": wave.planned_date.isoformat(), "status": wave.status,
         "frozen": wave.frozen, "systems": wave.systems, "storage_tb": round(wave.storage_tb, 2)}
        for wave in session.scalars(select(Wave).order_by(col(Wave.number)))
    ]
