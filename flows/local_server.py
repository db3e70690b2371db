"""One local Prefect server that outlives a command: `lumen-migrate server start|stop|status`.

Without it every work command starts Prefect's temporary server (about 10 s) and its runs leave the UI with it.
`start_server()` starts `python -m prefect server start` detached, in its own session, with our logging config
(`prepare_prefect()`: the server's records and its stdout go to one log file, nothing to the terminal), analytics
off and the UI on, and records where it runs in a state file in PREFECT_HOME (default ~/.prefect), beside the
server's own database: `lumen-migrate-server.json`, its log `lumen-migrate-server.log`. A later command that finds
that server alive and answering uses it (`local_api_url()`), unless PREFECT_API_URL names another one.

A state file whose process is gone, or whose pid now belongs to another program, is stale: reading it removes it.
Nothing here imports Prefect; the server is a subprocess.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import httpx

from flows.prefect_env import Waiting, prepare_prefect
from inventory.errors import BadSettingsError, LumenError

STATE_FILE_NAME = "lumen-migrate-server.json"
LOG_FILE_NAME = "lumen-migrate-server.log"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4200
# The temporary server takes 8-18 s here on a quiet 2-core machine; a first start with a new database, more.
DEFAULT_START_TIMEOUT_SECONDS = 180
DEFAULT_STOP_TIMEOUT_SECONDS = 30
# What we launch, and so what a live pid of ours runs: anything else under that pid is not our server.
SERVER_ARGS = ("-m", "prefect", "server", "start")
_WILDCARD_HOSTS = {"0.0.0.0", "::", ""}
# The server runs in its own session (POSIX) or process group (Windows): Ctrl-C in the terminal and the end of
# the command that started it do not reach it.
_DETACHED_ON_WINDOWS = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0) | getattr(subprocess, "DETACHED_PROCESS", 0)


class LocalServerError(LumenError):
    """The local Prefect server did not come up, or could not be stopped."""


@dataclass(frozen=True)
class LocalServer:
    """Where our local server runs, as its state file records it."""

    pid: int
    host: str
    port: int
    log_file: Path
    started_at: dt.datetime

    @property
    def address(self) -> str:
        return reachable_address(self.host, self.port)

    @property
    def api_url(self) -> str:
        return f"{self.address}/api"

    @property
    def ui_url(self) -> str:
        return self.address

    def to_json(self) -> dict[str, object]:
        return {"url": self.address, "api_url": self.api_url, "ui_url": self.ui_url, "pid": self.pid,
                "host": self.host, "port": self.port, "log_file": str(self.log_file),
                "started_at": self.started_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> LocalServer:
        """Raises KeyError, TypeError or ValueError when a field is missing or malformed."""
        return cls(pid=int(str(data["pid"])), host=str(data["host"]), port=int(str(data["port"])),
                   log_file=Path(str(data["log_file"])),
                   started_at=dt.datetime.fromisoformat(str(data["started_at"])))


def reachable_address(host: str, port: int) -> str:
    """Where a server listening on host:port is reached from this machine (a wildcard host: on 127.0.0.1)."""
    host = DEFAULT_HOST if host in _WILDCARD_HOSTS else host
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def prefect_home() -> Path:
    """Prefect's home folder, as Prefect resolves it from the environment: PREFECT_HOME, else ~/.prefect."""
    return Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser().resolve()


def state_path() -> Path:
    return prefect_home() / STATE_FILE_NAME


def write_state(server: LocalServer, path: Path) -> None:
    """Write the state file whole (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(server.to_json(), indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def read_state(path: Path) -> LocalServer | None:
    """The server the state file records, or None when there is no file or it cannot be read as one."""
    try:
        return LocalServer.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running_server(path: Path | None = None) -> LocalServer | None:
    """The recorded server if its process still runs; a stale or unreadable state file is removed."""
    path = path or state_path()
    server = read_state(path)
    if server is not None and is_server_process(server.pid):
        return server
    path.unlink(missing_ok=True)
    return None


def answers(api_url: str, *, timeout: float = 2.0) -> bool:
    """True when a Prefect API at `api_url` says it is healthy."""
    try:
        return httpx.get(f"{api_url}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def local_api_url() -> str | None:
    """The API URL of our local server when it runs and answers; None otherwise."""
    server = running_server()
    return server.api_url if server is not None and answers(server.api_url) else None


def running_api_url() -> str | None:
    """The Prefect server a command would use without starting one: PREFECT_API_URL, else our local server."""
    return os.environ.get("PREFECT_API_URL") or local_api_url()


def is_server_command(argv: list[str]) -> bool:
    """Whether a process's command line is the one `start_server()` launches."""
    return tuple(argv[1:5]) == SERVER_ARGS


def is_server_process(pid: int) -> bool:
    """Whether `pid` is alive and (where /proc tells) still runs a Prefect server, not a program that reused it."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError:  # gone, or another user's process: not ours either way
        return False
    if not Path("/proc/self").exists():
        return True
    proc = Path("/proc") / str(pid)
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        argv = [part.decode(errors="replace") for part in (proc / "cmdline").read_bytes().split(b"\0") if part]
    except (OSError, IndexError):
        return False
    return state != "Z" and is_server_command(argv)


def check_address(host: str, port: int) -> None:
    """Bad settings (exit 2) unless the server could listen on host:port."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as e:
        raise BadSettingsError(f"--host: cannot listen on {host!r} ({e.strerror})") from e
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: a port left in TIME_WAIT by a stopped server is free, a listening one is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as e:
            raise BadSettingsError(f"--port: {host}:{port} is not free ({e.strerror}); another server may "
                                   "listen there: choose another with --port") from e


def server_environment(host: str, port: int, environ: dict[str, str]) -> dict[str, str]:
    """The server's environment: ours (its logging config included) with the UI on, analytics off, the UI told
    where the API is (Prefect's default ignores --port) and output unbuffered, so the log is current when it is
    read after a failed start. PREFECT_API_URL is for clients, not the server."""
    env = {key: value for key, value in environ.items() if key != "PREFECT_API_URL"}
    env.update({"PREFECT_HOME": str(prefect_home()), "PREFECT_SERVER_API_HOST": host,
                "PREFECT_SERVER_API_PORT": str(port), "PREFECT_SERVER_UI_ENABLED": "true",
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PYTHONUNBUFFERED": "1"})
    env.setdefault("PREFECT_UI_API_URL", f"{reachable_address(host, port)}/api")
    return env


def start_server(*, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 timeout: float = DEFAULT_START_TIMEOUT_SECONDS, waiting: Waiting | None = None) -> LocalServer:
    """Start the local server in the background and wait until it answers, inside `waiting(message)`.

    The caller checks first that none runs. If it exits or does not answer within `timeout` seconds, it is
    stopped, its state file removed, and LocalServerError names its log.
    """
    check_address(host, port)
    home = prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    log_file = prepare_prefect(home / LOG_FILE_NAME)
    log_file.write_bytes(b"")
    started_at = dt.datetime.now(dt.UTC)
    # Appending: the server's logging handler writes to the same file.
    with log_file.open("ab") as log:
        process = subprocess.Popen([sys.executable, *SERVER_ARGS, "--host", host, "--port", str(port)],
                                   env=server_environment(host, port, dict(os.environ)), cwd=home,
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, creationflags=_DETACHED_ON_WINDOWS)
    server = LocalServer(pid=process.pid, host=host, port=port, log_file=log_file, started_at=started_at)
    path = state_path()
    write_state(server, path)
    try:
        with (waiting or _quietly)(f"starting the Prefect server at {server.address}..."):
            _wait_until_answering(process, server, timeout)
    except BaseException:
        _end(process.pid, timeout=DEFAULT_STOP_TIMEOUT_SECONDS, poll=process.poll)
        path.unlink(missing_ok=True)
        raise
    return server


def _quietly(_message: str) -> AbstractContextManager[object]:
    return nullcontext()


def _wait_until_answering(process: subprocess.Popen[bytes], server: LocalServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not answers(server.api_url):
        code = process.poll()
        if code is not None:
            raise LocalServerError(f"the Prefect server exited while starting (exit code {code}); "
                                   f"its log: {server.log_file}")
        if time.monotonic() > deadline:
            raise LocalServerError(f"the Prefect server did not answer at {server.api_url} within {timeout:g} s; "
                                   f"its log: {server.log_file}")
        time.sleep(0.25)


def stop_server(server: LocalServer, *, timeout: float = DEFAULT_STOP_TIMEOUT_SECONDS,
                path: Path | None = None) -> None:
    """End the server (terminate, then kill after `timeout` s) and remove its state file."""
    _end(server.pid, timeout=timeout, poll=lambda: None if is_server_process(server.pid) else 0)
    if is_server_process(server.pid):
        raise LocalServerError(f"the Prefect server (pid {server.pid}) did not end after it was killed")
    (path or state_path()).unlink(missing_ok=True)


def _end(pid: int, *, timeout: float, poll: Callable[[], int | None]) -> None:
    """Terminate `pid`, then kill it if `poll()` still says it runs after `timeout` s."""
    for sig, wait in ((signal.SIGTERM, timeout), (getattr(signal, "SIGKILL", signal.SIGTERM), 10.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if poll() is not None:
                return
            time.sleep(0.1)
