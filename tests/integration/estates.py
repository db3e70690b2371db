"""Small literal estates for the flow tests: a production Linux server unless told otherwise."""

from __future__ import annotations

from inventory.records import Disk, SystemRecord


def server(name: str, **fields: object) -> SystemRecord:
    base: dict[str, object] = {"external_id": name, "name": name, "cores": 2, "memory_mb": 4096,
                               "os_name": "Red Hat Enterprise Linux 8 (64-bit)", "disks": [Disk(size_gb=64)],
                               "power_state": "on", "environment": "production", "cpu_util_pct": 40.0}
    base.update(fields)
    return SystemRecord.model_validate(base)
