"""The local server's state file: what it records, when it is stale (and removed), and how it is stopped.

A stand-in server is a real process whose command line is the server's (`python -m prefect server start`, with a
`prefect` package of our own first on its path that only sleeps), so liveness and stopping are tested on real
processes without the ~10 s of a real server start.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.local_server import (
    STATE_FILE_NAME,
    LocalServer,
    check_address,
    is_server_command,
    local_api_url,
    reachable_address,
    read_state,
    running_api_url,
    running_server,
    server_environment,
    state_path,
    stop_server,
    write_state,
)
from inventory.errors import BadSettingsError

HAS_PROC = Path("/proc/self").exists()
needs_proc = pytest.mark.skipif(not HAS_PROC, reason="telling our server's process from others needs /proc")


@pytest.fixture(autouse=True)
def isolated_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    home = tmp_path / "prefect-home"
    monkeypatch.setenv("PREFECT_HOME", str(home))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    return home


def recorded(pid: int, *, port: int = 4200) -> LocalServer:
    return LocalServer(pid=pid, host="127.0.0.1", port=port, log_file=Path("/var/log/server.log"),
                       started_at=dt.datetime(2026, 12, 8, 4, 30, tzinfo=dt.UTC))


STAND_IN = """
import pathlib, signal, sys, time
if "ignore-term" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
pathlib.Path("ready").write_text("")
time.sleep(120)
"""


@pytest.fixture
def stand_in(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process whose command line is the local server's; it only sleeps."""
    yield from _stand_in(tmp_path)


@pytest.fixture
def stubborn_stand_in(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The same, but it ignores the polite request to end."""
    yield from _stand_in(tmp_path, "ignore-term")


def _stand_in(tmp_path: Path, *extra: str) -> Iterator[subprocess.Popen[bytes]]:
    folder = tmp_path / "stand-in"
    (folder / "prefect").mkdir(parents=True)
    (folder / "prefect" / "__init__.py").write_text("")
    (folder / "prefect" / "__main__.py").write_text(STAND_IN)
    process = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", *extra], cwd=folder,
                               env={"PATH": os.environ.get("PATH", "")})
    deadline = time.monotonic() + 30
    while not (folder / "ready").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def test_the_state_file_lives_in_prefect_home_and_reads_back_as_written(isolated_home: Path) -> None:
    server = recorded(4321)
    write_state(server, state_path())
    assert state_path() == isolated_home / STATE_FILE_NAME
    assert read_state(state_path()) == server
    written = json.loads(state_path().read_text())
    assert written["api_url"] == "http://127.0.0.1:4200/api" and written["ui_url"] == "http://127.0.0.1:4200"
    assert list(isolated_home.iterdir()) == [state_path()], "no partial file is left behind"


@pytest.mark.parametrize("text", [
    "", "not json", "[]", "{}", '{"pid": "x", "host": "h", "port": 1, "log_file": "l", "started_at": "2026-01-01"}',
    '{"pid": 1, "host": "h", "port": 1, "log_file": "l", "started_at": "yesterday"}',
])
def test_an_unreadable_state_file_is_no_server_and_is_removed(text: str) -> None:
    path = state_path()
    path.parent.mkdir(parents=True)
    path.write_text(text)
    assert read_state(path) is None
    assert running_server() is None
    assert not path.exists()


def test_a_state_file_whose_process_is_gone_is_stale_and_removed() -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    write_state(recorded(int(ended.stdout)), state_path())
    assert running_server() is None
    assert not state_path().exists()
    assert running_server() is None, "no state file at all is simply no server"


@needs_proc
def test_a_pid_reused_by_another_program_is_not_our_server() -> None:
    write_state(recorded(os.getpid()), state_path())
    assert running_server() is None
    assert not state_path().exists()


@needs_proc
def test_a_live_server_process_is_running_and_stop_ends_it_and_removes_the_state_file(
        stand_in: subprocess.Popen[bytes]) -> None:
    server = recorded(stand_in.pid, port=_free_port())
    write_state(server, state_path())
    assert running_server() == server
    assert local_api_url() is None, "alive but not answering: commands do not use it"
    assert state_path().exists(), "a live server's state is kept while it does not answer"
    stop_server(server)
    assert stand_in.wait(timeout=10) == -15
    assert not state_path().exists() and running_server() is None


@needs_proc
def test_a_server_that_ignores_terminate_is_killed_after_the_timeout(
        stubborn_stand_in: subprocess.Popen[bytes]) -> None:
    server = recorded(stubborn_stand_in.pid)
    write_state(server, state_path())
    started = time.monotonic()
    stop_server(server, timeout=0.5)
    assert stubborn_stand_in.wait(timeout=10) == -9
    assert time.monotonic() - started < 10
    assert not state_path().exists()


@pytest.mark.parametrize(("argv", "expected"), [
    (["/venv/bin/python", "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", "4200"], True),
    (["python3", "-m", "prefect", "server", "start"], True),
    (["/venv/bin/prefect", "server", "start"], False),
    (["python", "-m", "prefect", "server", "stop"], False),
    (["python", "-m", "pytest", "tests"], False),
    ([], False),
])
def test_only_the_command_we_launch_counts_as_our_server(argv: list[str], expected: bool) -> None:
    assert is_server_command(argv) is expected


@pytest.mark.parametrize(("host", "port", "expected"), [
    ("127.0.0.1", 4200, "http://127.0.0.1:4200"),
    ("0.0.0.0", 4300, "http://127.0.0.1:4300"),
    ("::", 4200, "http://127.0.0.1:4200"),
    ("::1", 4200, "http://[::1]:4200"),
    ("localhost", 8080, "http://localhost:8080"),
])
def test_a_server_is_reached_on_a_concrete_address(host: str, port: int, expected: str) -> None:
    assert reachable_address(host, port) == expected


def test_the_server_gets_the_ui_on_analytics_off_and_no_client_api_url(isolated_home: Path) -> None:
    env = server_environment("0.0.0.0", 4300, {"PREFECT_API_URL": "http://elsewhere/api", "PATH": "/bin"})
    assert "PREFECT_API_URL" not in env and env["PATH"] == "/bin"
    assert env["PREFECT_HOME"] == str(isolated_home)
    assert (env["PREFECT_SERVER_API_HOST"], env["PREFECT_SERVER_API_PORT"]) == ("0.0.0.0", "4300")
    assert env["PREFECT_SERVER_UI_ENABLED"] == "true" and env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert env["PREFECT_UI_API_URL"] == "http://127.0.0.1:4300/api"
    kept = server_environment("0.0.0.0", 4300, {"PREFECT_UI_API_URL": "https://prefect.example/api"})
    assert kept["PREFECT_UI_API_URL"] == "https://prefect.example/api", "a UI URL the user set is kept"


def test_prefect_api_url_wins_over_the_local_server(monkeypatch: pytest.MonkeyPatch) -> None:
    assert running_api_url() is None
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.example/api")
    assert running_api_url() == "http://prefect.example/api"


def test_a_port_in_use_or_an_unknown_host_is_bad_settings() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(BadSettingsError, match=f"--port: 127.0.0.1:{port} is not free"):
            check_address("127.0.0.1", port)
    with pytest.raises(BadSettingsError, match="--host: cannot listen on 'no-such-host.invalid'"):
        check_address("no-such-host.invalid", 4200)
    check_address("127.0.0.1", _free_port())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
