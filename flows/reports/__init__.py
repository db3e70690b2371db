"""Report files and texts built from pure planning results (no Prefect here: flows call these)."""
