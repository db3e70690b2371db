"""Autogenerate a migration revision against a scratch database at head (developer tool)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from inventory.db import _build_engine, upgrade_schema


def main() -> None:
    message = " ".join(sys.argv[1:]) or "schema change"
    with tempfile.TemporaryDirectory() as scratch:
        engine = _build_engine(f"sqlite:///{scratch}/scratch.db")
        upgrade_schema(engine)
        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":
    main()
