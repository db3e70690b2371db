"""A deterministic, realistic telecom estate for demos, tests and benchmarks.

`generate_estate(n)` builds n legacy systems (business units, applications in tiers, shared infrastructure hubs,
databases, appliances, storage) and their dependencies from one seeded `random.Random` (never the global one):
the same arguments always give the same estate. Built for 100k systems in seconds, so the hot paths avoid
`random`'s convenience methods and share what a tier's servers share.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from typing import Any, TypeVar

from pydantic import TypeAdapter

from inventory.collector import collector_paused
from inventory.records import (
    COST_LINE_NAMES,
    Criticality,
    DependencyRecord,
    Environment,
    PowerState,
    SystemKind,
    SystemRecord,
)


@dataclass(frozen=True)
class SampleEstate:
    """A generated estate: systems, and dependencies that name systems by `name`."""

    systems: tuple[SystemRecord, ...]
    dependencies: tuple[DependencyRecord, ...]


# --- catalog -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Os:
    label: str  # as VMware and Azure Migrate write it, without the "(64-bit)" suffix
    version: str
    end_of_support: dt.date
    weight: float
    x86_share: float = 0.0


_D = dt.date
# Vendor end of (extended/maintenance) support; the share of 32-bit installs is ours.
_OS_POOLS: dict[str, tuple[_Os, ...]] = {
    "windows": (
        _Os("Microsoft Windows Server 2003", "2003", _D(2015, 7, 14), 3, x86_share=0.4),
        _Os("Microsoft Windows Server 2008 R2", "2008 R2", _D(2020, 1, 14), 12),
        _Os("Microsoft Windows Server 2012 R2", "2012 R2", _D(2023, 10, 10), 26),
        _Os("Microsoft Windows Server 2016", "2016", _D(2027, 1, 12), 27),
        _Os("Microsoft Windows Server 2019", "2019", _D(2029, 1, 9), 22),
        _Os("Microsoft Windows Server 2022", "2022", _D(2031, 10, 14), 10),
    ),
    "linux": (
        _Os("Red Hat Enterprise Linux 6", "6", _D(2020, 11, 30), 5, x86_share=0.1),
        _Os("Red Hat Enterprise Linux 7", "7", _D(2024, 6, 30), 21),
        _Os("Red Hat Enterprise Linux 8", "8", _D(2029, 5, 31), 24),
        _Os("Red Hat Enterprise Linux 9", "9", _D(2032, 5, 31), 8),
        _Os("CentOS 6", "6", _D(2020, 11, 30), 4, x86_share=0.15),
        _Os("CentOS 7", "7", _D(2024, 6, 30), 11),
        _Os("SUSE Linux Enterprise Server 12", "12", _D(2024, 10, 31), 7),
        _Os("SUSE Linux Enterprise Server 15", "15", _D(2031, 7, 31), 6),
        _Os("Ubuntu Linux 16.04 LTS", "16.04", _D(2021, 4, 30), 3),
        _Os("Ubuntu Linux 20.04 LTS", "20.04", _D(2025, 5, 31), 7),
        _Os("Ubuntu Linux 22.04 LTS", "22.04", _D(2027, 4, 1), 6),
    ),
    "unix": (
        _Os("Oracle Solaris 10", "10", _D(2024, 1, 31), 5),
        _Os("Oracle Solaris 11", "11.4", _D(2031, 11, 30), 4),
        _Os("IBM AIX 7.1", "7.1", _D(2023, 4, 30), 2),
    ),
}

# engine -> (versions, their weights, port, OS families it runs on)
_DB_ENGINES: dict[str, tuple[tuple[str, ...], tuple[float, ...], int, tuple[str, ...]]] = {
    "SQL Server": (("2012", "2014", "2016", "2019"), (3, 3, 4, 3), 1433, ("windows",)),
    "Oracle": (("11g", "12c", "19c"), (3, 3, 4), 1521, ("linux", "linux", "unix")),
    "PostgreSQL": (("9.6", "11", "13", "15"), (1, 2, 3, 2), 5432, ("linux",)),
    "MySQL": (("5.6", "5.7", "8.0"), (1, 3, 3), 3306, ("linux",)),
}
_DB_REPLICATION_PORT = {"SQL Server": 5022, "Oracle": 1521, "PostgreSQL": 5432, "MySQL": 3306}


@dataclass(frozen=True)
class _Tier:
    kind: SystemKind
    workload: str
    prod_servers: tuple[int, int]
    core_scale: int = 1


_TIERS: dict[str, _Tier] = {
    "web": _Tier(SystemKind.SERVER, "web", (2, 4)),
    "app": _Tier(SystemKind.SERVER, "app", (2, 6)),
    "db": _Tier(SystemKind.DATABASE, "database", (2, 3), core_scale=2),
    "batch": _Tier(SystemKind.SERVER, "batch", (1, 3)),
    "lb": _Tier(SystemKind.APPLIANCE, "load-balancer", (2, 2)),
    "fw": _Tier(SystemKind.APPLIANCE, "firewall", (2, 4)),
    "sbc": _Tier(SystemKind.APPLIANCE, "sbc", (2, 4)),
    "nas": _Tier(SystemKind.STORAGE, "file-server", (1, 3)),
}
_LINUX_APPLIANCE = "Other 3.x or later Linux (64-bit)"
_OTHER_APPLIANCE = "Other (64-bit)"
# tier -> (product, OS name as the hypervisor reports it)
_APPLIANCE_PRODUCTS: dict[str, tuple[tuple[str, str], ...]] = {
    "lb": (("F5 BIG-IP", _LINUX_APPLIANCE), ("Citrix ADC", _OTHER_APPLIANCE)),
    "fw": (("Palo Alto PA-5250", _OTHER_APPLIANCE), ("Fortinet FortiGate 1800F", _OTHER_APPLIANCE)),
    "sbc": (("Oracle Acme Packet 6300", _LINUX_APPLIANCE), ("Ribbon SBC 5400", _LINUX_APPLIANCE)),
    "nas": (("NetApp ONTAP Select", _OTHER_APPLIANCE),),
}


@dataclass(frozen=True)
class _App:
    code: str
    name: str
    tiers: tuple[str, ...]
    platforms: tuple[float, float, float]  # weights of windows, linux, unix
    engines: tuple[str, ...]
    weight: float
    criticality: int  # 0..3 for production: low..critical


_BUSINESS_UNITS: tuple[tuple[str, str, tuple[_App, ...]], ...] = (
    ("net", "Network Operations", (
        _App("netinv", "Network Inventory", ("web", "app", "db"), (1, 5, 1), ("Oracle", "PostgreSQL"), 3, 2),
        _App("fault", "Fault Management", ("web", "app", "db", "batch"), (1, 5, 2), ("Oracle",), 3, 3),
        _App("perf", "Performance Management", ("app", "db", "batch"), (1, 5, 1), ("PostgreSQL", "Oracle"), 3, 2),
        _App("voice", "Voice Core SBC", ("sbc", "app"), (0, 1, 0), ("PostgreSQL",), 3, 3),
        _App("perimeter", "Perimeter Firewalls", ("fw",), (0, 1, 0), (), 2, 3),
    )),
    ("oss", "OSS", (
        _App("prov", "Provisioning", ("web", "app", "db"), (2, 5, 1), ("Oracle", "SQL Server"), 4, 3),
        _App("activation", "Service Activation", ("app", "db", "batch"), (1, 5, 1), ("Oracle",), 3, 3),
        _App("ordermgmt", "Order Management", ("web", "app", "db", "batch"), (3, 4, 0), ("Oracle", "SQL Server"),
             4, 3),
        _App("mediation", "Mediation", ("app", "db", "batch"), (1, 3, 3), ("Oracle",), 3, 3),
        _App("mnp", "Number Portability", ("web", "app", "db"), (2, 4, 0), ("Oracle", "SQL Server"), 2, 2),
    )),
    ("bss", "BSS", (
        _App("billing", "Convergent Billing", ("web", "app", "db", "batch"), (1, 4, 3), ("Oracle",), 5, 3),
        _App("charging", "Rating and Charging", ("app", "db"), (0, 4, 2), ("Oracle",), 3, 3),
        _App("crm", "CRM", ("lb", "web", "app", "db", "batch"), (5, 2, 0), ("SQL Server", "Oracle"), 5, 2),
        _App("catalog", "Product Catalog", ("web", "app", "db"), (2, 4, 0), ("PostgreSQL", "Oracle"), 2, 2),
    )),
    ("eit", "Enterprise IT", (
        _App("erp", "ERP Finance", ("web", "app", "db", "batch"), (5, 2, 0), ("SQL Server", "Oracle"), 3, 2),
        _App("hr", "HR and Payroll", ("web", "app", "db"), (6, 1, 0), ("SQL Server",), 2, 1),
        _App("files", "File Services", ("nas",), (3, 1, 0), (), 2, 1),
        _App("mail", "Mail Relay", ("app",), (1, 3, 0), (), 1, 1),
        _App("dwh", "Data Warehouse", ("app", "db", "batch"), (2, 3, 1), ("Oracle", "SQL Server"), 3, 2),
    )),
    ("care", "Customer Care", (
        _App("contact", "Contact Centre", ("web", "app", "db"), (6, 2, 0), ("SQL Server",), 3, 3),
        _App("ivr", "IVR", ("app", "db"), (3, 3, 0), ("SQL Server", "MySQL"), 2, 2),
        _App("ticketing", "Ticketing", ("web", "app", "db"), (4, 3, 0), ("SQL Server", "MySQL"), 3, 1),
        _App("kb", "Knowledge Base", ("web", "db"), (3, 3, 0), ("MySQL", "SQL Server"), 1, 0),
    )),
    ("wsi", "Wholesale & Interconnect", (
        _App("icbilling", "Interconnect Billing", ("app", "db", "batch"), (1, 3, 2), ("Oracle",), 3, 3),
        _App("roaming", "Roaming Clearing", ("app", "db", "batch"), (1, 4, 1), ("Oracle",), 2, 2),
        _App("partner", "Partner Portal", ("lb", "web", "app", "db"), (3, 3, 0), ("SQL Server", "PostgreSQL"),
             2, 1),
    )),
    ("dig", "Digital", (
        _App("selfcare", "Self-care Portal", ("lb", "web", "app", "db"), (2, 5, 0), ("PostgreSQL", "MySQL"), 4, 3),
        _App("api", "Mobile App API", ("lb", "web", "app", "db"), (1, 6, 0), ("PostgreSQL",), 3, 2),
        _App("shop", "Web Shop", ("lb", "web", "app", "db", "batch"), (3, 4, 0), ("MySQL", "SQL Server"), 3, 2),
        _App("cms", "Web CMS", ("web", "db"), (3, 3, 0), ("MySQL",), 2, 0),
    )),
)
_APPS = tuple((bu_code, bu_name, app) for bu_code, bu_name, apps in _BUSINESS_UNITS for app in apps)

# environment -> (chance an application has a copy there, its size relative to production, name letter)
_ENV_COPIES: dict[Environment, tuple[float, float, str]] = {
    Environment.PRODUCTION: (1.0, 1.0, "p"),
    Environment.DR: (0.14, 0.7, "r"),
    Environment.STAGING: (0.35, 0.6, "s"),
    Environment.TEST: (0.8, 0.5, "t"),
    Environment.DEVELOPMENT: (0.85, 0.45, "d"),
}

# hub kind -> (name, business unit, OS family, share of the estate, dependency (port, protocol, server->hub?))
_HUBS: dict[str, tuple[str, str, str, float, tuple[tuple[int, str, bool], ...]]] = {
    "dns": ("DNS", "Network Operations", "linux", 0.0008, ((53, "udp", True),)),
    "directory": ("Active Directory", "Enterprise IT", "windows", 0.001, ((389, "tcp", True), (88, "tcp", True))),
    "monitoring": ("Monitoring", "Network Operations", "linux", 0.0012, ((9100, "tcp", False),)),
    "backup": ("Backup", "Enterprise IT", "windows", 0.0014, ((10000, "tcp", False),)),
    "ntp": ("NTP", "Network Operations", "linux", 0.0004, ((123, "udp", True),)),
    "syslog": ("Syslog", "Enterprise IT", "linux", 0.0008, ((514, "udp", True),)),
}

# Cross-application integrations, within one environment: source key -> target key over these tcp ports
# (None: the target database's own port). Keys: business-unit codes, "*" (any), "etl" (data-warehouse loaders),
# "nas" (file servers), "db" (databases).
_INTEGRATIONS: tuple[tuple[str, str, tuple[int, ...] | None, float], ...] = (
    ("oss", "bss", (443, 8080, 61616), 4),
    ("bss", "oss", (443, 8443, 61616), 3),
    ("net", "oss", (443, 9092, 8080), 3),
    ("oss", "net", (443, 830), 2),
    ("care", "bss", (443, 8080), 3),
    ("dig", "bss", (443, 8443), 3),
    ("dig", "care", (443,), 2),
    ("wsi", "bss", (443, 22), 2),
    ("bss", "eit", (443, 8080), 2),
    ("bss", "wsi", (443, 22), 1),
    ("eit", "bss", (22, 443), 2),
    ("care", "oss", (443,), 1),
    ("*", "nas", (445,), 3),
    ("etl", "db", None, 4),
)
_DATACENTERS = ("FRA-DC1", "FRA-DC2", "MUC-CORE", "BER-DC3", "HAM-DR")


_CORES = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64)
_CORES_CUM = tuple(accumulate((4, 26, 34, 20, 3, 6, 2, 2.6, 0.8, 0.6)))
_LEVELS = (Criticality.LOW, Criticality.MEDIUM, Criticality.HIGH, Criticality.CRITICAL)
_APPS_CUM = tuple(accumulate(app.weight for _, _, app in _APPS))
_OS_CUM = {family: tuple(accumulate(os.weight for os in pool)) for family, pool in _OS_POOLS.items()}
_FAMILIES = ("windows", "linux", "unix")
_BATCH = 4096
T = TypeVar("T")


# --- systems -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Place:
    """Where a group of systems sits in the estate: shared by every server of one tier of one deployment."""

    application: str
    business_unit: str
    environment: Environment
    criticality: Criticality
    datacenter: str
    tier: str
    tags: dict[str, str]  # copied into each system


@dataclass(frozen=True)
class _OsChoice:
    name: str
    version: str | None
    arch: str
    end_of_support: dt.date | None
    family: str  # windows, linux, unix, other


@dataclass
class _Deployment:
    """One application's copy in one environment, while it is built."""

    bu: str
    app: _App
    env: Environment
    instance: int
    tiers: dict[str, list[str]] = field(default_factory=dict)
    app_port: int = 8443
    db_port: int = 1433
    db_replication_port: int = 1433


class _Builder:
    """Mutable state of one generation run (only `generate_estate` creates one)."""

    def __init__(self, rng: random.Random, total: int) -> None:
        self.rng = rng
        self.total = total
        self.systems: list[SystemRecord] = []
        self.pending: list[dict[str, Any]] = []  # rows not validated yet
        self.count = 0
        self.counters: dict[str, int] = {}
        self.deployments: list[_Deployment] = []
        # Non-hub systems as (name, OS family, datacenter) for their hub dependencies.
        self.members: list[tuple[str, str, str]] = []
        self.hubs: dict[str, dict[str, list[str]]] = {}
        # Integration ends: sources (name, business unit, environment, is a warehouse loader), targets by key.
        self.sources: list[tuple[str, str, Environment, bool]] = []
        self.targets: dict[tuple[str, Environment], list[str]] = {}
        self.db_port: dict[str, int] = {}
        count = rng.randint(2, 4)
        chosen = set(rng.sample(_DATACENTERS, count))
        self.datacenters = tuple(dc for dc in _DATACENTERS if dc in chosen)
        # With three or more sites the last one is the DR site; with two, each is the other's DR site.
        self.homes = self.datacenters[:-1] if count >= 3 else self.datacenters
        self.hosts_per_dc = max(4, total // (25 * count))
        self.ip_next = dict.fromkeys(self.datacenters, 0)

    @property
    def full(self) -> bool:
        return self.count >= self.total

    def add(self, row: dict[str, Any]) -> None:
        """Keep a system's row; rows are validated in batches so that few raw dicts are alive at once."""
        self.pending.append(row)
        self.count += 1
        if len(self.pending) >= _BATCH or self.count >= self.total:
            self.systems += _system_list().validate_python(self.pending)
            self.pending.clear()

    def name(self, prefix: str) -> str:
        seq = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = seq
        return f"{prefix}-{seq:04d}"

    def ip(self, dc: str) -> str:
        """A unique 10.x.y.z address from the site's own quarter of 10/8 (room for 4 M systems per site)."""
        n = self.ip_next[dc]
        self.ip_next[dc] = n + 1
        return f"10.{self.datacenters.index(dc) * 64 + n // 65024}.{n // 254 % 256}.{n % 254 + 1}"

    def pick_os(self, family: str) -> _OsChoice:
        spec = self.rng.choices(_OS_POOLS[family], cum_weights=_OS_CUM[family])[0]
        x86 = spec.x86_share > 0 and self.rng.random() < spec.x86_share
        bits, arch = ("32", "x86") if x86 else ("64", "x64")
        return _OsChoice(f"{spec.label} ({bits}-bit)", spec.version, arch, spec.end_of_support, family)


@dataclass(frozen=True)
class _Build:
    """What the servers of one tier share: they were built from one image, with one size, on one kind of box."""

    kind: SystemKind
    workload: str
    os: _OsChoice
    cores: int
    memory_gib: int
    layout: tuple[int, ...]  # disk sizes in GB, the 40 GB OS disk first
    physical: bool
    hypervisor: str | None
    boot_type: str
    db: tuple[str, str] | None  # engine, version
    costs: tuple[float, ...]  # annual cost lines (COST_LINE_NAMES order) before each server's own spread


def _add_hubs(b: _Builder) -> None:
    """Shared infrastructure first, interleaved by kind and site so that a small estate still gets each kind."""
    per_dc = {kind: max(1, round(b.total * spec[3] / len(b.datacenters))) for kind, spec in _HUBS.items()}
    slots = [(kind, dc) for r in range(max(per_dc.values())) for kind in _HUBS for dc in b.datacenters
             if r < per_dc[kind]]
    budget = max(1, round(b.total * 0.3)) if b.total < 100 else len(slots)
    tags = {"owner": "infrastructure-team", "cost_centre": "CC-9000", "tier": "infra", "role": "infrastructure"}
    for kind, dc in slots[: min(budget, b.total)]:
        label, bu_name, family, _share, _ports = _HUBS[kind]
        level = 3 if kind in ("dns", "directory") else 2
        place = _Place(f"Shared Infrastructure - {label}", bu_name, Environment.PRODUCTION, _LEVELS[level], dc,
                       "infra", tags)
        build = _build(b, SystemKind.SERVER, kind, b.pick_os(family), Environment.PRODUCTION, core_scale=1)
        name = b.name(f"infra-{kind}-p")
        b.add(_row(b, name, build, place, _shared_fields(build, place)))
        b.hubs.setdefault(kind, {}).setdefault(dc, []).append(name)


def _add_application(b: _Builder, bu: str, bu_name: str, app: _App, instance: int) -> None:
    """Every environment copy of one application, tier by tier, until the estate is full."""
    rng = b.rng
    family = rng.choices(_FAMILIES, app.platforms)[0]
    engine = rng.choice(app.engines) if app.engines else None
    home = rng.choice(b.homes)
    dr_site = b.datacenters[-1] if len(b.datacenters) >= 3 else next(d for d in b.datacenters if d != home)
    prod_counts = {tier: rng.randint(*_TIERS[tier].prod_servers) for tier in app.tiers}
    application = f"{app.name} {instance:02d}"
    bu_index = next(i for i, unit in enumerate(_BUSINESS_UNITS) if unit[0] == bu)
    app_index = next(i for i, a in enumerate(_BUSINESS_UNITS[bu_index][2]) if a is app)
    base_tags = {"owner": f"{bu}-{app.code}-team", "cost_centre": f"CC-{bu_index + 1}{app_index + 1:02d}0"}
    for env, (chance, ratio, letter) in _ENV_COPIES.items():
        if b.full:
            return
        if env is not Environment.PRODUCTION and rng.random() >= chance:
            continue
        dep = _Deployment(bu, app, env, instance, app_port=rng.choice((8443, 443, 8080)))
        level = _criticality(rng, app.criticality, env)
        dc = dr_site if env is Environment.DR else home
        for tier in app.tiers:
            spec = _TIERS[tier]
            if spec.kind is SystemKind.APPLIANCE and env not in (Environment.PRODUCTION, Environment.DR):
                continue
            count = prod_counts[tier]
            if env is not Environment.PRODUCTION:
                count = max(1, int(count * ratio + rng.random()))
            os, product, db = _tier_platform(b, tier, family, engine)
            if db is not None:
                dep.db_port, dep.db_replication_port = _DB_ENGINES[db[0]][2], _DB_REPLICATION_PORT[db[0]]
            workload = "nas-gateway" if tier == "nas" and product else spec.workload
            build = _build(b, spec.kind, workload, os, env, core_scale=spec.core_scale, db=db)
            tags = base_tags | {"tier": tier} | ({"product": product} if product else {})
            place = _Place(application, bu_name, env, level, dc, tier, tags)
            shared = _shared_fields(build, place)
            names = dep.tiers.setdefault(tier, [])
            prefix = f"{bu}-{app.code}-{tier}-{letter}"
            for _ in range(count):
                if b.full:
                    break
                name = b.name(prefix)
                b.add(_row(b, name, build, place, shared))
                names.append(name)
                b.members.append((name, os.family, dc))
                _index_integration_end(b, name, bu, app, tier, env, dep.db_port)
        b.deployments.append(dep)


def _criticality(rng: random.Random, base: int, env: Environment) -> Criticality:
    """Production carries the application's weight; copies elsewhere matter less, development least."""
    if env is Environment.PRODUCTION:
        level = base + rng.choice((-1, -1, 0, 0, 0))
    elif env is Environment.DR:
        level = base - 1
    elif env is Environment.STAGING:
        level = min(base - 1, 1)
    elif env is Environment.TEST:
        level = 1 if rng.random() < 0.2 else 0
    else:
        level = 0
    return _LEVELS[max(0, min(3, level))]


def _tier_platform(
    b: _Builder, tier: str, family: str, engine: str | None
) -> tuple[_OsChoice, str | None, tuple[str, str] | None]:
    """OS, appliance product and (db engine, version) of one tier."""
    rng = b.rng
    if tier in ("lb", "fw", "sbc") or (tier == "nas" and family != "windows"):
        product, os_name = rng.choice(_APPLIANCE_PRODUCTS[tier])
        return _OsChoice(os_name, None, "x64", None, "other"), product, None
    if tier == "db" and engine is not None:
        versions, weights, _port, families = _DB_ENGINES[engine]
        db_family = family if family in families else families[0]
        return b.pick_os(db_family), None, (engine, rng.choices(versions, weights)[0])
    # Web servers of Unix applications run on Linux front ends.
    return b.pick_os("linux" if family == "unix" and tier == "web" else family), None, None


def _index_integration_end(
    b: _Builder, name: str, bu: str, app: _App, tier: str, env: Environment, db_port: int
) -> None:
    if tier in ("web", "app", "batch"):
        b.sources.append((name, bu, env, app.code == "dwh"))
    if tier in ("web", "app", "lb"):
        b.targets.setdefault((bu, env), []).append(name)
    elif tier == "nas":
        b.targets.setdefault(("nas", env), []).append(name)
    elif tier == "db" and app.code != "dwh":
        b.targets.setdefault(("db", env), []).append(name)
        b.db_port[name] = db_port


def _pick(rand: Callable[[], float], options: Sequence[T]) -> T:
    """rng.choice without its overhead: the row builders call it millions of times for 100k systems."""
    return options[int(rand() * len(options))]


def _weighted(rand: Callable[[], float], options: Sequence[T], cumulative: Sequence[float]) -> T:
    return options[bisect(cumulative, rand() * cumulative[-1])]


def _uuid4(bits: int) -> str:
    """The text of uuid.UUID(int=bits, version=4), at a third of its cost."""
    bits = (bits & ~(0xC000 << 48) | 0x8000 << 48) & ~(0xF000 << 64) | 4 << 76
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_PHYSICAL_SHARE = {SystemKind.APPLIANCE: 0.6, SystemKind.STORAGE: 0.5, SystemKind.DATABASE: 0.2}
_DATA_DISK_GB = (50, 100, 100, 200, 250, 500, 500, 1000, 2000)
_DB_DISK_GB = (200, 500, 1000, 1000, 2000, 4000)
_DATA_DISK_COUNTS = (0, 1, 2, 3, 4, 5)
_DATA_DISK_COUNTS_CUM = tuple(accumulate((20, 35, 22, 12, 6, 5)))


def _build(
    b: _Builder,
    kind: SystemKind,
    workload: str,
    os: _OsChoice,
    env: Environment,
    *,
    core_scale: int,
    db: tuple[str, str] | None = None,
) -> _Build:
    """Size, disks, platform and cost lines of one tier."""
    rand = b.rng.random
    if kind is SystemKind.APPLIANCE:
        cores, gib_per_core = _pick(rand, (2, 4, 4, 8, 16)), _pick(rand, (2, 4))
    elif kind is SystemKind.STORAGE:
        cores, gib_per_core = _pick(rand, (2, 4, 8)), 4
    else:
        cores = min(64, _weighted(rand, _CORES, _CORES_CUM) * core_scale)
        gib_per_core = _pick(rand, (4, 8, 8, 16) if kind is SystemKind.DATABASE else (2, 4, 4, 8))
    memory_gib = cores * gib_per_core
    if os.arch == "x86":
        cores, memory_gib = min(cores, 4), min(memory_gib, 4)
    memory_gib = max(2, min(512, memory_gib))
    physical = rand() < (1.0 if os.family == "unix" else _PHYSICAL_SHARE.get(kind, 0.05))
    hypervisor = None if physical else "Hyper-V" if os.family == "windows" and rand() < 0.15 else "VMware"
    new_os = os.end_of_support is not None and os.end_of_support.year >= 2027
    layout = _disk_layout(rand, kind)
    costs = _costs(os=os, kind=kind, cores=cores, memory_gib=memory_gib, storage_gb=sum(layout),
                   physical=physical, db_engine=db[0] if db else None, env=env)
    return _Build(kind, workload, os, cores, memory_gib, layout, physical, hypervisor,
                  "UEFI" if new_os and rand() < 0.6 else "BIOS", db, costs)


def _shared_fields(build: _Build, place: _Place) -> dict[str, Any]:
    """The fields every server of one tier has in common; unknown (None) ones are left to the defaults."""
    os, db = build.os, build.db
    fields = {
        "kind": build.kind,
        "cores": build.cores,
        "memory_mb": float(build.memory_gib * 1024),
        "os_name": os.name,
        "os_version": os.version,
        "os_arch": os.arch,
        "os_end_of_support": os.end_of_support,
        "boot_type": build.boot_type,
        "server_type": "Physical" if build.physical else "Virtual",
        "hypervisor": build.hypervisor,
        "environment": place.environment,
        "criticality": place.criticality,
        "application": place.application,
        "business_unit": place.business_unit,
        "datacenter": place.datacenter,
        "workload_type": build.workload,
        "db_engine": db[0] if db else None,
        "db_version": db[1] if db else None,
    }
    return {key: value for key, value in fields.items() if value is not None}


def _row(b: _Builder, name: str, build: _Build, place: _Place, shared: dict[str, Any]) -> dict[str, Any]:
    """The fields of one system (pydantic validates them once the estate is complete): the tier's shared
    fields plus what differs from server to server."""
    rng = b.rng
    rand = rng.random
    row = shared.copy()
    off = rand() < 0.03
    cpu = _p95_cpu(rand) if not off and rand() >= 0.125 else None
    disks, used_gb = _disks(rand, build.layout, build.kind, cpu)
    dc = place.datacenter
    row["external_id"] = _uuid4(rng.getrandbits(128))
    row["name"] = name
    row["disks"] = disks
    row["storage_used_gb"] = used_gb
    row["power_state"] = PowerState.OFF if off else PowerState.ON
    row["ip_addresses"] = (b.ip(dc),)
    row["tags"] = place.tags.copy()
    if cpu is not None:
        row["cpu_util_pct"] = cpu
        row["util_percentile"] = 95
        row["memory_util_pct"] = (250 + 670 * rand()) // 1 / 10
        row["network_in_mbps"] = cpu * (5 + 200 * rand()) // 1 / 100
        row["network_out_mbps"] = cpu * (5 + 200 * rand()) // 1 / 100
    if build.hypervisor is not None:
        h = int(rand() * b.hosts_per_dc)
        short = "hv" if build.hypervisor == "Hyper-V" else "esx"
        row["host"] = f"{dc.lower()}-{short}{h + 1:04d}"
        row["cluster"] = f"{dc}-{short.upper()}{h // 16 + 1:02d}"
    if rand() < 0.7:
        spread = zip(COST_LINE_NAMES, build.costs, strict=True)
        row["costs"] = {line: int(base * (0.85 + 0.3 * rand())) for line, base in spread}
    if build.db:
        row["db_size_gb"] = round(used_gb * (0.6 + 0.3 * rand()), 1)
    return row


def _p95_cpu(rand: Callable[[], float]) -> float:
    """Most legacy servers idle; a long tail is busy. (Rounded to 0.1 by arithmetic: round() is slower.)"""
    x = rand()
    if x < 0.55:
        return (20 + 80 * rand()) // 1 / 10
    if x < 0.87:
        return (100 + 300 * rand()) // 1 / 10
    return (400 + 580 * rand()) // 1 / 10


def _disk_layout(rand: Callable[[], float], kind: SystemKind) -> tuple[int, ...]:
    """Disk sizes in GB: a 40 GB OS disk, then data disks."""
    if kind is SystemKind.STORAGE:
        return (40, *(_pick(rand, (2000, 4000, 8000)) for _ in range(2 + int(rand() * 4))))
    if kind is SystemKind.DATABASE:
        return (40, *(_pick(rand, _DB_DISK_GB) for _ in range(1 + int(rand() * 5))))
    if kind is SystemKind.APPLIANCE:
        return (40, 100) if rand() < 0.3 else (40,)
    count = _weighted(rand, _DATA_DISK_COUNTS, _DATA_DISK_COUNTS_CUM)
    return (40, *(_pick(rand, _DATA_DISK_GB) for _ in range(count)))


def _disks(
    rand: Callable[[], float], layout: tuple[int, ...], kind: SystemKind, cpu: float | None
) -> tuple[list[dict[str, float]], float]:
    """Each disk with its use, and IOPS and throughput where there is performance data; and the GB used.
    Whole numbers are fine: pydantic makes them floats."""
    disks: list[dict[str, float]] = []
    used_total = 0
    load = max(cpu, 5.0) / 10 if cpu is not None else 0.0
    heavy = 6.0 if kind in (SystemKind.DATABASE, SystemKind.STORAGE) else 1.0
    for index, size in enumerate(layout):
        used = int(size * (0.15 + 0.7 * rand()))
        used_total += used
        if cpu is None:
            disks.append({"size_gb": size, "used_gb": used})
            continue
        reads = int((2 + 38 * rand()) * load * (heavy if index else 1.0)) + 1
        writes = int(reads * (0.2 + 0.7 * rand())) + 1
        disks.append({"size_gb": size, "used_gb": used, "read_iops": reads, "write_iops": writes,
                      "read_mbps": reads * 6 // 10 / 10, "write_mbps": writes // 2 / 10})
    return disks, float(used_total)


def _costs(
    *,
    os: _OsChoice,
    kind: SystemKind,
    cores: int,
    memory_gib: int,
    storage_gb: float,
    physical: bool,
    db_engine: str | None,
    env: Environment,
) -> tuple[float, ...]:
    """Annual legacy cost lines in USD (COST_LINE_NAMES order). Licences weigh most for Windows, SQL Server
    and Oracle; physical boxes cost more hardware and floor space than a share of a virtualisation host."""
    prod = env in (Environment.PRODUCTION, Environment.DR)
    hardware = (800 + 120 * cores + 6 * memory_gib + 0.4 * storage_gb) * (2.2 if physical else 1.0)
    if kind is SystemKind.APPLIANCE:
        licences = 4000.0 + 450 * cores
    elif os.family == "windows":
        licences = 95.0 * max(cores, 8)
    elif os.family == "unix":
        licences = 1800.0
    elif os.family == "linux":
        licences = _LINUX_SUBSCRIPTION.get(os.name.split()[0], 0.0) * (1.6 if cores > 8 else 1.0)
    else:
        licences = 3000.0
    if db_engine is not None:
        per_core, minimum = _DB_LICENCE_PER_CORE[db_engine]
        licences += per_core * max(cores, minimum) * (1.0 if prod else 0.3)
    facilities = (300 + 50 * cores + 2 * memory_gib + 0.25 * storage_gb) * (2.0 if physical else 1.0)
    labour = 2600 * (1.3 if os.family == "unix" else 1.2 if kind is SystemKind.APPLIANCE else 1.0) * (
        1.0 if prod else 0.7)
    network = 500.0 + (250 if physical else 0)
    return hardware, licences, facilities, labour, network


# First word of the OS name -> yearly subscription in USD (CentOS is free, and unsupported).
_LINUX_SUBSCRIPTION = {"Red": 800.0, "SUSE": 700.0, "Ubuntu": 250.0, "CentOS": 0.0}
_DB_LICENCE_PER_CORE = {"SQL Server": (700.0, 4), "Oracle": (1800.0, 2), "PostgreSQL": (150.0, 1),
                        "MySQL": (150.0, 1)}


# --- dependencies --------------------------------------------------------------------------------------------

_Edge = tuple[str, str, int, str]
# OS family -> hub kinds its servers use, weighted.
_HUB_USE: dict[str, dict[str, float]] = {
    "windows": {"directory": 5, "dns": 3, "monitoring": 3, "backup": 3, "ntp": 1, "syslog": 1},
    "linux": {"dns": 5, "monitoring": 4, "syslog": 3, "backup": 2, "ntp": 2, "directory": 1},
    "unix": {"dns": 4, "monitoring": 3, "backup": 3, "ntp": 2, "syslog": 2},
    "other": {"monitoring": 5, "syslog": 4, "dns": 2, "ntp": 2},
}
_MONITORING_PORT = {"linux": (9100, "tcp"), "windows": (9182, "tcp")}
_INTEGRATIONS_PER_SYSTEM = 0.04


def _dependencies(b: _Builder, target: int) -> tuple[DependencyRecord, ...]:
    """Exactly `target` unique edges: one hub edge per system first, then tiers, a few cross-application
    integrations (`_INTEGRATIONS_PER_SYSTEM`), then the other shared services each system uses."""
    names = [system.name for system in b.systems]
    if target == 0 or len(names) < 2:
        return ()
    if target > len(names) * (len(names) - 1) * 48_000:  # the filler's port range below bounds it
        raise ValueError(f"cannot draw {target} distinct dependencies between {len(names)} systems")
    rng = b.rng
    core, extra, more = _hub_edges(b)
    extra += _tier_edges(b)
    if len(core) >= target:
        chosen = _subsample(rng, core, target)
    else:
        chosen = core + _subsample(rng, extra, min(len(extra), target - len(core)))
    seen = set(chosen)
    # Direct app-to-app links are few in a real estate (most integration goes through shared middleware and
    # shared services): enough to make some multi-application move groups, not to glue the estate into one.
    _integration_edges(b, seen, chosen, min(target, len(chosen) + round(len(names) * _INTEGRATIONS_PER_SYSTEM)))
    for edge in _subsample(rng, [edge for edge in more if edge not in seen], max(0, target - len(chosen))):
        seen.add(edge)
        chosen.append(edge)
    _integration_edges(b, seen, chosen, target)
    while len(chosen) < target:
        # Only tiny or very dense estates get here: any pair, on a random registered port.
        source, dest = rng.sample(names, 2)
        edge = (source, dest, rng.randint(1024, 49151), "tcp")
        if edge not in seen:
            seen.add(edge)
            chosen.append(edge)
    validate = _dependency_list().validate_python
    records: list[DependencyRecord] = []
    for start in range(0, len(chosen), _BATCH):
        records += validate([{"source": s, "target": t, "port": port, "protocol": proto}
                             for s, t, port, proto in chosen[start:start + _BATCH]])
    return tuple(records)


def _subsample(rng: random.Random, edges: list[_Edge], count: int) -> list[_Edge]:
    if count >= len(edges):
        return list(edges)
    return [edges[i] for i in sorted(rng.sample(range(len(edges)), count))]


def _hub_edges(b: _Builder) -> tuple[list[_Edge], list[_Edge], list[_Edge]]:
    """Each system uses one or two kinds of hub, preferably in its own site; hubs use DNS and NTP. The third
    list holds each system's use of the other kinds of hub, drawn on when more edges are wanted."""
    rng = b.rng
    rand = rng.random
    core: list[_Edge] = []
    extra: list[_Edge] = []
    more: list[_Edge] = []
    every = {kind: [n for names in by_dc.values() for n in names] for kind, by_dc in b.hubs.items()}
    use = {family: ([k for k in kinds if k in every], tuple(accumulate(w for k, w in kinds.items() if k in every)))
           for family, kinds in _HUB_USE.items()}
    for name, family, dc in b.members:
        kinds, cumulative = use[family]
        if not kinds:
            continue
        picked = [_weighted(rand, kinds, cumulative)]
        if rand() < 0.5:
            second = _weighted(rand, kinds, cumulative)
            if second != picked[0]:
                picked.append(second)
        for number, kind in enumerate(picked):
            hub = _pick(rand, b.hubs[kind].get(dc) or every[kind])
            (extra if number else core).append(_hub_edge(rand, name, family, kind, hub))
        for kind in kinds:
            if kind not in picked:
                hub = _pick(rand, b.hubs[kind].get(dc) or every[kind])
                more.append(_hub_edge(rand, name, family, kind, hub))
    for hub_kind, by_dc in b.hubs.items():
        for dc, hubs in by_dc.items():
            for hub in hubs:
                for kind in ("dns", "ntp"):
                    if kind in every and kind != hub_kind:
                        server = _pick(rand, b.hubs[kind].get(dc) or every[kind])
                        extra.append(_hub_edge(rand, hub, _HUBS[hub_kind][2], kind, server))
    return core, extra, more


def _hub_edge(rand: Callable[[], float], name: str, family: str, kind: str, hub: str) -> _Edge:
    """Clients call DNS, directory, NTP and syslog; monitoring and backup servers call their clients."""
    if kind == "monitoring":
        port, proto = _MONITORING_PORT.get(family, (161, "udp"))
        return (hub, name, port, proto)
    port, proto, to_hub = _pick(rand, _HUBS[kind][4])
    return (name, hub, port, proto) if to_hub else (hub, name, port, proto)


def _tier_edges(b: _Builder) -> list[_Edge]:
    """Within each deployment: lb -> web -> app -> db, batch -> db, SBC -> app; production db -> DR db."""
    rng = b.rng
    edges: list[_Edge] = []

    def link(sources: list[str], targets: list[str], port: int, proto: str = "tcp", most: int = 2) -> None:
        for source in sources:
            for dest in rng.sample(targets, min(len(targets), rng.randint(1, most))):
                edges.append((source, dest, port, proto))

    prod_dbs: dict[tuple[str, int], _Deployment] = {}
    for dep in b.deployments:
        t = dep.tiers
        web, app, db, batch = t.get("web", []), t.get("app", []), t.get("db", []), t.get("batch", [])
        front = web or app
        if t.get("lb") and front:
            link(t["lb"], front, 443, most=len(front))
        if web and app:
            link(web, app, dep.app_port)
        if db:
            link(app or web, db, dep.db_port)
            link(batch, db, dep.db_port, most=1)
        if batch and app and rng.random() < 0.5:
            link(batch, app, 8080, most=1)
        if t.get("sbc") and app:
            link(t["sbc"], app, 5060, "udp")
        if dep.env is Environment.PRODUCTION and db:
            prod_dbs[(dep.app.code, dep.instance)] = dep
        elif dep.env is Environment.DR and db and (dep.app.code, dep.instance) in prod_dbs:
            primary = prod_dbs[(dep.app.code, dep.instance)].tiers["db"]
            edges += [(source, db[i % len(db)], dep.db_replication_port, "tcp") for i, source in enumerate(primary)]
    return edges


def _integration_edges(b: _Builder, seen: set[_Edge], chosen: list[_Edge], target: int) -> None:
    """Cross-application integrations within one environment until `target` edges or the attempts run out."""
    if not b.sources:
        return
    rand = b.rng.random
    patterns: dict[tuple[str, bool], tuple[list[tuple[str, tuple[int, ...] | None]], tuple[float, ...]]] = {}
    for bu, _name, _apps in _BUSINESS_UNITS:
        for etl in (False, True):
            matching = [(dst, ports, w) for src, dst, ports, w in _INTEGRATIONS
                        if src in (bu, "*") or (src == "etl" and etl)]
            patterns[(bu, etl)] = ([(dst, ports) for dst, ports, _w in matching],
                                   tuple(accumulate(w for *_, w in matching)))
    attempts = 20 * (target - len(chosen)) + 1000
    while len(chosen) < target and attempts > 0:
        attempts -= 1
        source, bu, env, etl = _pick(rand, b.sources)
        options, cumulative = patterns[(bu, etl)]
        dst_key, ports = _weighted(rand, options, cumulative)
        candidates = b.targets.get((dst_key, env))
        if not candidates:
            continue
        dest = _pick(rand, candidates)
        edge = (source, dest, b.db_port[dest] if ports is None else _pick(rand, ports), "tcp")
        if edge[0] != edge[1] and edge not in seen:
            seen.add(edge)
            chosen.append(edge)


# --- entry point ---------------------------------------------------------------------------------------------

def generate_estate(systems: int, *, seed: int = 7, dependencies_per_system: float = 3.0) -> SampleEstate:
    """A realistic telecom estate of exactly `systems` systems and round(systems * dependencies_per_system)
    unique dependencies (none when there are fewer than two systems); the same arguments give the same estate."""
    if systems < 0:
        raise ValueError(f"systems must be 0 or more, got {systems}")
    if not math.isfinite(dependencies_per_system) or dependencies_per_system < 0:
        raise ValueError(f"dependencies_per_system must be a finite number >= 0, got {dependencies_per_system}")
    rng = random.Random(seed)
    b = _Builder(rng, systems)
    with collector_paused():
        _add_hubs(b)
        instances: dict[str, int] = {}
        while not b.full:
            bu, bu_name, app = rng.choices(_APPS, cum_weights=_APPS_CUM)[0]
            instances[app.code] = instances.get(app.code, 0) + 1
            _add_application(b, bu, bu_name, app, instances[app.code])
        dependencies = _dependencies(b, round(systems * dependencies_per_system))
    return SampleEstate(tuple(b.systems), dependencies)


@cache
def _system_list() -> TypeAdapter[list[SystemRecord]]:
    return TypeAdapter(list[SystemRecord])


@cache
def _dependency_list() -> TypeAdapter[list[DependencyRecord]]:
    return TypeAdapter(list[DependencyRecord])
