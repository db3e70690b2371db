"""The flows' one settings object: read from LUMEN_MIGRATE_* afresh until the CLI installs one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.settings import Settings, get_settings, use_settings


@pytest.fixture(autouse=True)
def nothing_installed() -> Iterator[None]:
    use_settings(None)
    yield
    use_settings(None)


def test_environment_is_read_on_each_call_until_settings_are_installed(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LUMEN_MIGRATE_DB_URL", raising=False)
    assert get_settings().db_url == f"sqlite:///{tmp_path / 'lumen-migrate.db'}"
    monkeypatch.setenv("LUMEN_MIGRATE_DB_URL", "sqlite:///from-env.db")
    assert get_settings().db_url == "sqlite:///from-env.db"
    use_settings(Settings(db_url="sqlite:///from-cli.db", log_file=tmp_path / "p.log", files_dir=tmp_path / "f"))
    assert get_settings().db_url == "sqlite:///from-cli.db", "the CLI's --db wins over the environment"
    assert get_settings().as_environment() == {"LUMEN_MIGRATE_DB_URL": "sqlite:///from-cli.db",
                                               "LUMEN_MIGRATE_LOG_FILE": str(tmp_path / "p.log"),
                                               "LUMEN_MIGRATE_FILES_DIR": str(tmp_path / "f")}


def test_relative_paths_of_a_run_resolve_under_the_files_folder_never_the_working_folder(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LUMEN_MIGRATE_FILES_DIR", str(tmp_path / "shared-files"))
    settings = get_settings()
    assert settings.resolve_path("reports/monthly") == tmp_path / "shared-files" / "reports" / "monthly"
    assert settings.resolve_path(tmp_path / "elsewhere") == tmp_path / "elsewhere"
    monkeypatch.delenv("LUMEN_MIGRATE_FILES_DIR")
    assert get_settings().resolve_path("reports") == Path.home() / "lumen-migrate-files" / "reports"


def test_the_database_url_never_shows_in_a_repr() -> None:
    settings = Settings(db_url="postgresql+psycopg://migrator:s3cr3t-Planted@db.example/lumen")
    assert "s3cr3t-Planted" not in repr(settings) and "s3cr3t-Planted" not in str(settings)
