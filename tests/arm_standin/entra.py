"""A stand-in of the Entra ID endpoints MSAL (behind azure-identity) calls for the client-credentials grant.

MSAL with `instance_discovery=False` asks for `GET /{tenant}/v2.0/.well-known/openid-configuration`, then
`POST` to the `token_endpoint` it names. Tokens are JWT-shaped but not signed (ARM stand-in checks them by
lookup). The client secret is compared, never stored in a log or echoed in an answer.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from tests.arm_standin.errors import ArmError

ARM_AUDIENCES = ("https://management.azure.com", "https://management.core.windows.net")
_RESERVED_SCOPES = {"openid", "profile", "offline_access"}


@dataclass(frozen=True)
class EntraAnswer:
    status: int
    body: dict[str, Any]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class Entra:
    """One tenant with one service principal (client id + secret); issues and checks bearer tokens."""

    def __init__(self, *, tenant_id: str, client_id: str, client_secret: str, token_lifetime: int = 3600) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self._secret = client_secret
        self.token_lifetime = token_lifetime
        self.object_id = str(uuid.uuid4())
        self._tokens: dict[str, float] = {}  # token → expiry (epoch seconds)
        self._lock = threading.Lock()
        self.base_url = ""  # set by the server once it knows its port

    def __repr__(self) -> str:
        return f"Entra(tenant_id={self.tenant_id!r}, client_id={self.client_id!r})"

    def openid_configuration(self, tenant: str) -> EntraAnswer:
        if tenant.lower() != self.tenant_id.lower():
            return self._error(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found. Check to make sure "
                               "you have the correct tenant ID and are signing into the correct cloud.")
        root = f"{self.base_url}/{self.tenant_id}"
        return EntraAnswer(200, {
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "issuer": f"{root}/v2.0",
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "EU",
        })

    def token(self, tenant: str, form: dict[str, str], authorization: str | None) -> EntraAnswer:
        """The client-credentials grant: check tenant, client, secret and scope; answer like Entra does."""
        if tenant.lower() != self.tenant_id.lower():
            return self._error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:], validate=True).decode()
            except ValueError:
                decoded = ":"
            client_id, _, secret = (unquote(part) for part in decoded.partition(":"))
        if form.get("grant_type") != "client_credentials":
            return self._error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant "
                               "type; the ARM stand-in supports only 'client_credentials'.")
        if client_id != self.client_id:
            return self._error(400, "unauthorized_client", 700016, f"Application with identifier '{client_id}' "
                               f"was not found in the directory '{self.tenant_id}'.")
        if not secret or not hmac.compare_digest(secret.encode(), self._secret.encode()):
            return self._error(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret "
                               "being sent in the request is the client secret value, not the client secret ID, "
                               f"for a secret added to app '{self.client_id}'.")
        scopes = [s for s in form.get("scope", "").split() if s not in _RESERVED_SCOPES]
        audiences = {self.base_url.rstrip("/"), *ARM_AUDIENCES}
        if len(scopes) != 1 or scopes[0].removesuffix("/.default").rstrip("/") not in audiences:
            return self._error(400, "invalid_scope", 70011, f"The provided value for the input parameter 'scope' "
                               f"is not valid: {form.get('scope', '')!r}. Expected one of "
                               f"{sorted(a + '/.default' for a in audiences)}.")
        now = int(time.time())
        claims = {"aud": scopes[0].removesuffix(".default"), "iss": f"{self.base_url}/{self.tenant_id}/",
                  "iat": now, "nbf": now, "exp": now + self.token_lifetime, "appid": self.client_id,
                  "oid": self.object_id, "sub": self.object_id, "tid": self.tenant_id, "ver": "1.0",
                  "idtyp": "app"}
        token = ".".join([_b64({"typ": "JWT", "alg": "RS256", "kid": "standin"}), _b64(claims),
                          secrets.token_urlsafe(32)])
        with self._lock:
            self._tokens[token] = now + self.token_lifetime
        return EntraAnswer(200, {"token_type": "Bearer", "expires_in": self.token_lifetime,
                                 "ext_expires_in": self.token_lifetime, "access_token": token})

    def check_bearer(self, authorization: str | None) -> None:
        """Raise ARM's 401 unless the header carries a live token this endpoint issued."""
        challenge = (f'Bearer authorization_uri="{self.base_url}/{self.tenant_id}", error="invalid_token", '
                     'error_description="{}"')
        if not authorization:
            raise ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is "
                           "missing.", headers={"WWW-Authenticate": challenge.format(
                               "The authentication failed because of missing 'Authorization' header.")})
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is "
                           "provided in an invalid format.", headers={"WWW-Authenticate": challenge.format(
                               "The authentication failed because of an invalid 'Authorization' header.")})
        with self._lock:
            expiry = self._tokens.get(token.strip())
        if expiry is None:
            raise ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.",
                           headers={"WWW-Authenticate": challenge.format("The access token is invalid.")})
        if expiry <= time.time():
            expired = dt.datetime.fromtimestamp(expiry, dt.UTC).strftime("%m/%d/%Y %H:%M:%S")
            raise ArmError(401, "ExpiredAuthenticationToken", f"The access token expiry UTC time '{expired}' is "
                           "earlier than current UTC time.",
                           headers={"WWW-Authenticate": challenge.format("The access token has expired.")})

    def revoke_all(self) -> None:
        """Forget every issued token (a test of what a client does with a 401 on a cached token)."""
        with self._lock:
            self._tokens.clear()

    def _error(self, status: int, error: str, code: int, description: str) -> EntraAnswer:
        trace, correlation = uuid.uuid4(), uuid.uuid4()
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return EntraAnswer(status, {
            "error": error,
            "error_description": f"AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation} "
                                 f"Timestamp: {stamp}",
            "error_codes": [code], "timestamp": stamp, "trace_id": str(trace), "correlation_id": str(correlation),
            "error_uri": f"{self.base_url}/error?code={code}",
        })
