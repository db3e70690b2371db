"""The shared inventory vocabulary: OS families and environment spellings."""

from __future__ import annotations

import pytest

from inventory.records import Environment, OsFamily, normalise_environment, os_family_of


@pytest.mark.parametrize(("os_name", "family"), [
    ("Microsoft Windows Server 2012 R2 (64-bit)", OsFamily.WINDOWS),
    ("Microsoft Windows 7 (64-bit)", OsFamily.WINDOWS),
    ("Red Hat Enterprise Linux 7 (64-bit)", OsFamily.LINUX),
    ("CentOS 4/5/6/7 (64-bit)", OsFamily.LINUX),
    ("SUSE Linux Enterprise 12 (64-bit)", OsFamily.LINUX),
    ("Oracle Solaris 10 (64-bit)", OsFamily.UNIX),
    ("IBM AIX 7.2", OsFamily.UNIX),
    # x86-64 FreeBSD runs on Azure VMs: not a SPARC/POWER Unix.
    ("FreeBSD (64-bit)", OsFamily.OTHER),
    ("Other (64-bit)", OsFamily.OTHER),
    ("", OsFamily.UNKNOWN),
    (None, OsFamily.UNKNOWN),
])
def test_os_family(os_name: str | None, family: OsFamily) -> None:
    assert os_family_of(os_name) is family


@pytest.mark.parametrize(("text", "environment"), [
    ("PRD", Environment.PRODUCTION), ("prod", Environment.PRODUCTION), (" UAT ", Environment.TEST),
    ("Pre-Production", Environment.STAGING), ("dev", Environment.DEVELOPMENT), ("DR", Environment.DR),
    ("lab", Environment.UNKNOWN), (None, Environment.UNKNOWN),
])
def test_environment_spellings(text: str | None, environment: Environment) -> None:
    assert normalise_environment(text) is environment
