"""One settings object for the flows: `LUMEN_MIGRATE_*` environment variables, or what the CLI was told.

The CLI resolves --db and --log-file into a `Settings` and installs it with `use_settings`; flows and tasks read
`get_settings()`. Without an installed one (a Prefect worker, a served deployment's run, a test) the environment
is read afresh on each call, so configuring before running is enough. `serve` runs flows in child processes: it
alone hands the settings on, through `as_environment()`. Built lazily: importing this module reads nothing.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from inventory.db_url import default_db_url

FILES_DIR_ENV = "LUMEN_MIGRATE_FILES_DIR"


def default_files_dir() -> Path:
    """Where files go when a run names no absolute folder: one folder under the user's home, never the working
    folder of whatever process happens to run the flow (a `serve` started anywhere, a worker)."""
    return Path.home() / "lumen-migrate-files"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LUMEN_MIGRATE_", extra="ignore", frozen=True)

    # A database URL may carry a password: never in a repr (and so never in a log line).
    db_url: str = Field(default_factory=default_db_url, repr=False,
                        description="SQLAlchemy URL of our database (LUMEN_MIGRATE_DB_URL); default a SQLite file "
                                    "in the working directory.")
    log_file: Path | None = Field(default=None, description="Where Prefect's logs go (LUMEN_MIGRATE_LOG_FILE).")
    files_dir: Path = Field(default_factory=default_files_dir,
                            description="Absolute folder that relative file paths of a run resolve against (reports, "
                                        "plan exports, the demo, the simulator's state): LUMEN_MIGRATE_FILES_DIR; "
                                        "default ~/lumen-migrate-files. The CLI resolves its own paths against the "
                                        "working folder before a flow sees them.")

    def resolve_path(self, path: str | Path) -> Path:
        """`path` as given when absolute; otherwise under `files_dir` (made absolute)."""
        given = Path(path).expanduser()
        return given if given.is_absolute() else (self.files_dir.expanduser().resolve() / given)

    def as_environment(self) -> dict[str, str]:
        """The settings as LUMEN_MIGRATE_* variables, for processes started from this one."""
        environment = {"LUMEN_MIGRATE_DB_URL": self.db_url}
        if self.log_file is not None:
            environment["LUMEN_MIGRATE_LOG_FILE"] = str(self.log_file)
        environment[FILES_DIR_ENV] = str(self.files_dir.expanduser().resolve())
        return environment


_installed: Settings | None = None


def get_settings() -> Settings:
    return _installed if _installed is not None else Settings()


def use_settings(settings: Settings | None) -> Settings | None:
    """Install `settings` for this process (None: read the environment again); returns the ones installed before,
    for a caller that installs settings for a while (the demo, its own database) to put them back."""
    global _installed
    previous, _installed = _installed, settings
    return previous
