"""`ArmStandIn`: the HTTPS server (stdlib `ThreadingHTTPServer` + `ssl`) and the face tests use."""

from __future__ import annotations

import fnmatch
import json
import ssl
import sys
import tempfile
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.arm_standin.certs import make_certificates
from tests.arm_standin.entra import Entra
from tests.arm_standin.errors import ArmError
from tests.arm_standin.faults import Delay, DeleteFailure, DeploymentFailure, ErrorBurst, Throttle, ValidationFailure
from tests.arm_standin.model import Deployment, Resource, ResourceGroup
from tests.arm_standin.routes import Answer, Request, Router
from tests.arm_standin.state import DEFAULT_LOCATIONS, ArmState, LoggedRequest, LroSettings

_UNSET: Any = object()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    router: Router
    ssl_context: ssl.SSLContext
    connections = 0  # TLS connections accepted since the start
    _counting = threading.Lock()

    def finish_request(self, request: Any, client_address: Any) -> None:
        """TLS handshake here, in the connection's own thread, so a slow client never blocks accept()."""
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with self._counting:
            self.connections += 1
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle keep-alive connection's thread ends after this
    server: _Server

    def do_GET(self) -> None:  # the do_* names are what BaseHTTPRequestHandler looks up
        self._handle()

    do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request log is in memory, and a line per request would drown test output."""

    def _handle(self) -> None:
        split = urlsplit(self.path)
        path = "/" + "/".join(unquote(segment) for segment in split.path.split("/") if segment)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, path, query, body, {k.lower(): v for k, v in self.headers.items()})
        try:
            answer = self.server.router.dispatch(request)
        except ArmError as e:
            answer = Answer(e.status, e.body(), dict(e.headers))
        except Exception:  # a bug in the stand-in: say so as ARM would, and show it on stderr
            traceback.print_exc(file=sys.stderr)
            answer = Answer(500, {"error": {"code": "StandInBug", "message": "The ARM stand-in failed; see "
                                            "its stderr."}})
        if not path.lower().startswith("/_standin/"):
            self.server.router.state.log(LoggedRequest(self.command, path, query.get("api-version"), answer.status,
                                                       query, time.time()))
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        self.send_response(answer.status)
        request_id = str(uuid.uuid4())
        headers = {"Cache-Control": "no-cache", "x-ms-request-id": request_id,
                   "x-ms-correlation-request-id": self.headers.get("x-ms-client-request-id") or request_id,
                   "x-ms-routing-request-id": f"STANDIN:{request_id}", **answer.headers}
        if payload:
            headers["Content-Type"] = "application/json; charset=utf-8"
        for name, value in headers.items():
            self.send_header(name, value)
        if answer.status != 204 and not (100 <= answer.status < 200):
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)


class ArmStandIn:
    """A local ARM + Entra ID over HTTPS for the real Azure SDK clients. Start it, point clients at `url`.

    >>> with ArmStandIn() as arm:
    ...     client = ResourceManagementClient(arm.credential(), arm.subscription_id, **arm.client_kwargs())
    """

    def __init__(self, *, subscription_id: str | None = None, tenant_id: str | None = None,
                 client_id: str | None = None, client_secret: str | None = None, polls_to_finish: int | None = 2,
                 seconds_to_finish: float | None = None, retry_after: int = 1,
                 allowed_locations: frozenset[str] = DEFAULT_LOCATIONS, page_size: int = 100,
                 token_lifetime: int = 3600, port: int = 0) -> None:
        self.subscription_id = subscription_id or str(uuid.uuid4())
        self.state = ArmState(self.subscription_id, allowed_locations=allowed_locations,
                              lro=LroSettings(polls_to_finish, seconds_to_finish, retry_after))
        self._secret = client_secret or f"standin~{uuid.uuid4().hex}"
        self.entra = Entra(tenant_id=tenant_id or str(uuid.uuid4()), client_id=client_id or str(uuid.uuid4()),
                           client_secret=self._secret, token_lifetime=token_lifetime)
        self._page_size, self._port = page_size, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self.url = ""
        self.ca_file = Path()  # the test CA: pass as connection_verify=
        self.ca_bundle = Path()  # public roots + the test CA: what env() points REQUESTS_CA_BUNDLE at

    def __repr__(self) -> str:
        return f"ArmStandIn(url={self.url!r}, subscription_id={self.subscription_id!r})"

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> ArmStandIn:
        self._dir = tempfile.TemporaryDirectory(prefix="arm-standin-")
        files = make_certificates(Path(self._dir.name))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(files.cert_file, files.key_file)
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.ssl_context = context
        self.url = f"https://127.0.0.1:{server.server_address[1]}"
        self.ca_file, self.ca_bundle = files.ca_file, files.bundle_file
        self.entra.base_url = self.url
        server.router = Router(self.state, self.entra, lambda: self.url, page_size=self._page_size)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="arm-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> ArmStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- identity and clients ----------------------------------------------------------------------------------

    @property
    def tenant_id(self) -> str:
        return self.entra.tenant_id

    @property
    def client_id(self) -> str:
        return self.entra.client_id

    @property
    def client_secret(self) -> str:
        return self._secret

    def env(self) -> dict[str, str]:
        """What a subprocess needs: Entra settings for azure-identity, CA trust, and the backend's two settings."""
        bundle = str(self.ca_bundle)
        return {
            "AZURE_AUTHORITY_HOST": self.url, "AZURE_TENANT_ID": self.tenant_id, "AZURE_CLIENT_ID": self.client_id,
            "AZURE_CLIENT_SECRET": self._secret,
            # requests (azure-core's default transport, which azure-identity uses too) reads only this one (or
            # CURL_CA_BUNDLE); SSL_CERT_FILE is for httpx and the stdlib's ssl.create_default_context().
            "REQUESTS_CA_BUNDLE": bundle,
            "SSL_CERT_FILE": bundle,
            "LUMEN_MIGRATE_AZURE_ARM_ENDPOINT": self.url,
            "LUMEN_MIGRATE_AZURE_SUBSCRIPTION_ID": self.subscription_id,
        }

    def credential(self, *, client_secret: str | None = None) -> Any:
        """A real `azure.identity.ClientSecretCredential` against the stand-in's Entra endpoint."""
        from azure.identity import ClientSecretCredential

        return ClientSecretCredential(self.tenant_id, self.client_id, client_secret or self._secret,
                                      authority=self.url, disable_instance_discovery=True,
                                      connection_verify=str(self.ca_file))

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for an ARM management client (ResourceManagementClient, DeploymentsMgmtClient)."""
        return {"base_url": self.url, "credential_scopes": [f"{self.url}/.default"],
                "connection_verify": str(self.ca_file)}

    def revoke_tokens(self) -> None:
        self.entra.revoke_all()

    # --- behaviour ---------------------------------------------------------------------------------------------

    def configure(self, *, polls_to_finish: int | None = _UNSET, seconds_to_finish: float | None = _UNSET,
                  retry_after: int = _UNSET, allowed_locations: frozenset[str] = _UNSET) -> None:
        """Change long-running-operation timing or the allowed regions until the next `reset()`."""
        lro = self.state.lro
        self.state.configure(
            lro=LroSettings(lro.polls_to_finish if polls_to_finish is _UNSET else polls_to_finish,
                            lro.seconds_to_finish if seconds_to_finish is _UNSET else seconds_to_finish,
                            lro.retry_after if retry_after is _UNSET else retry_after),
            allowed_locations=None if allowed_locations is _UNSET else frozenset(allowed_locations))

    def reset(self) -> None:
        """Empty subscription, no faults, empty request log, constructor settings (issued tokens stay valid)."""
        self.state.reset()

    def throttle(self, every: int, *, retry_after: int = 1, method: str | None = None, path: str | None = None,
                 times: int | None = None) -> None:
        """Every `every`-th matching request → 429 TooManyRequests with `Retry-After: retry_after`."""
        self.state.faults.add(Throttle(every, retry_after, method, path, times))

    def fail_requests(self, count: int, *, status: int = 503, method: str | None = None, path: str | None = None,
                      retry_after: int | None = None) -> None:
        """The next `count` matching requests → `status` (500/502/503/504) with ARM's error body."""
        self.state.faults.add(ErrorBurst(count, status, method, path, retry_after))

    def fail_deployment(self, name: str, *, after_resources: int = 0, code: str = "InvalidParameter",
                        message: str = DeploymentFailure.message) -> None:
        """Deployments named like `name` create their first `after_resources` resources, then fail."""
        self.state.faults.add(DeploymentFailure(name, after_resources, code, message))

    def fail_validation(self, name: str, *, code: str = "InvalidTemplateDeployment",
                        message: str = ValidationFailure.message) -> None:
        """Validation (POST .../validate and the PUT's own) of deployments named like `name` → 400."""
        self.state.faults.add(ValidationFailure(name, code, message))

    def fail_delete(self, path: str, *, status: int = 409, code: str = "Conflict",
                    message: str = DeleteFailure.message, synchronous: bool = False) -> None:
        """DELETEs whose path matches fail at once, or (default) when their long-running operation ends."""
        self.state.faults.add(DeleteFailure(path, status, code, message, synchronous))

    def delay(self, seconds: float, *, method: str | None = None, path: str | None = None,
              times: int | None = None) -> None:
        """Matching ARM requests are answered `seconds` late."""
        self.state.faults.add(Delay(seconds, method, path, times))

    def clear_faults(self) -> None:
        self.state.faults.clear()

    # --- what is there -----------------------------------------------------------------------------------------

    def resource_groups(self) -> list[ResourceGroup]:
        return self.state.resource_groups()

    def resources(self, resource_group: str | None = None) -> list[Resource]:
        return self.state.resources(resource_group)

    def deployments(self, resource_group: str | None = None) -> list[Deployment]:
        return self.state.deployments(resource_group)

    def put_count(self, resource_group: str, name: str) -> int:
        return self.state.put_count(resource_group, name)

    def connections(self) -> int:
        """TLS connections accepted since the start: a client that gives its connections back to its pool reuses
        them, one that drops an answer unread opens a new one for its next request."""
        return 0 if self._server is None else self._server.connections

    def requests(self, *, method: str | None = None, path: str | None = None) -> list[LoggedRequest]:
        """The request log, oldest first; `path` is a glob over the decoded path (`*/deployments/*`)."""
        return [r for r in self.state.requests()
                if (method is None or r.method == method.upper())
                and (path is None or fnmatch.fnmatchcase(r.path.lower(), path.lower()))]
