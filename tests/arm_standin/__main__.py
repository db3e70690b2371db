"""`python -m tests.arm_standin`: run a stand-in in the foreground for manual runs; Ctrl-C (or SIGTERM) stops it.

The client secret is not printed: the full environment, secret included, goes to a file only the current
user can read, to be loaded with `set -a; . FILE; set +a`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import tempfile
import threading
from pathlib import Path

from tests.arm_standin.server import ArmStandIn


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.arm_standin", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--polls", type=int, default=2, help="polls after which a long-running operation ends")
    arguments = parser.parse_args()
    secret = os.environ.get("ARM_STANDIN_CLIENT_SECRET")  # lets a caller pick the secret instead of reading it
    with ArmStandIn(port=arguments.port, polls_to_finish=arguments.polls, client_secret=secret) as arm:
        env = arm.env()
        env_file = Path(tempfile.mkdtemp(prefix="arm-standin-env-")) / "standin.env"
        env_file.touch(mode=0o600)
        env_file.write_text("".join(f"{name}={shlex.quote(value)}\n" for name, value in env.items()))
        print(f"ARM stand-in listening on {arm.url} (subscription {arm.subscription_id})")
        for name, value in env.items():
            shown = "<hidden; in the env file>" if name == "AZURE_CLIENT_SECRET" else value
            print(f"  {name}={shown}")
        print(f"env file: {env_file}   (set -a; . {env_file}; set +a)")
        print("Ctrl-C to stop.", flush=True)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a background job starts with it ignored
            signal.signal(signum, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        finally:
            env_file.unlink(missing_ok=True)
            env_file.parent.rmdir()


if __name__ == "__main__":
    main()
