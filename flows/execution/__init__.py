"""Wave execution: the engine that runs a runbook against a backend (the simulator or Azure), the step journal,
and the Prefect flow around them."""
