"""Faults a test injects: throttling, 5xx bursts, failing deployments, validations and deletes, slow answers.

Patterns are shell-style globs (`fnmatch`), matched case-insensitively: request paths without the query
(`*/deployments/*`), deployment names (`wave-3-*`). Bodies and headers copy what the recordings show.
"""

from __future__ import annotations

import fnmatch
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.arm_standin.errors import ArmError

_5XX = {
    500: ("InternalServerError", "Encountered an internal server error. The tracking activity id is '{id}', "
                                 "correlation id is '{id}'."),
    502: ("BadGateway", "The gateway received an invalid response from 'Microsoft.Resources'."),
    503: ("ServiceUnavailable", "The service is currently unavailable. The tracking activity id is '{id}'."),
    504: ("GatewayTimeout", "The gateway did not receive a response from 'Microsoft.Resources' within the "
                            "specified time period."),
}


def _matches(pattern: str | None, value: str) -> bool:
    return pattern is None or fnmatch.fnmatchcase(value.lower(), pattern.lower())


@dataclass
class Throttle:
    every: int
    retry_after: int = 1
    method: str | None = None
    path: str | None = None
    times: int | None = None  # stop after throttling this many requests
    seen: int = 0
    fired: int = 0


@dataclass
class ErrorBurst:
    count: int
    status: int = 503
    method: str | None = None
    path: str | None = None
    retry_after: int | None = None


@dataclass(frozen=True)
class DeploymentFailure:
    """The deployment creates its first `after_resources` resources (in deployment order), then the next fails."""

    name: str
    after_resources: int = 0
    code: str = "InvalidParameter"
    message: str = "The value of a parameter is invalid (injected by the ARM stand-in)."
    status_code: str = "BadRequest"


@dataclass(frozen=True)
class ValidationFailure:
    name: str
    code: str = "InvalidTemplateDeployment"
    message: str = "The deployment was rejected by policy (injected by the ARM stand-in)."


@dataclass(frozen=True)
class DeleteFailure:
    """A DELETE matching `path` fails: at once (`synchronous`) or when its long-running operation ends."""

    path: str
    status: int = 409
    code: str = "Conflict"
    message: str = "The resource cannot be deleted (injected by the ARM stand-in)."
    synchronous: bool = False

    def error(self) -> ArmError:
        return ArmError(self.status, self.code, self.message)


@dataclass
class Delay:
    seconds: float
    method: str | None = None
    path: str | None = None
    times: int | None = None


@dataclass
class Faults:
    """The active faults; every method is safe to call from any thread."""

    throttles: list[Throttle] = field(default_factory=list)
    bursts: list[ErrorBurst] = field(default_factory=list)
    deployment_failures: list[DeploymentFailure] = field(default_factory=list)
    validation_failures: list[ValidationFailure] = field(default_factory=list)
    delete_failures: list[DeleteFailure] = field(default_factory=list)
    delays: list[Delay] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def clear(self) -> None:
        with self.lock:
            for kind in (self.throttles, self.bursts, self.deployment_failures, self.validation_failures,
                         self.delete_failures, self.delays):
                kind.clear()

    def add(self, fault: Any) -> None:
        kinds: dict[type, list[Any]] = {
            Throttle: self.throttles, ErrorBurst: self.bursts, DeploymentFailure: self.deployment_failures,
            ValidationFailure: self.validation_failures, DeleteFailure: self.delete_failures, Delay: self.delays,
        }
        with self.lock:
            kinds[type(fault)].append(fault)

    def delay_for(self, method: str, path: str) -> float:
        with self.lock:
            for delay in self.delays:
                if _matches(delay.method, method) and _matches(delay.path, path) and delay.times != 0:
                    if delay.times is not None:
                        delay.times -= 1
                    return delay.seconds
        return 0.0

    def request_error(self, method: str, path: str) -> ArmError | None:
        """The injected error for this request, if any: a 5xx of a burst first, then throttling."""
        with self.lock:
            for burst in self.bursts:
                if burst.count > 0 and _matches(burst.method, method) and _matches(burst.path, path):
                    burst.count -= 1
                    code, message = _5XX.get(burst.status, ("InternalServerError", "Injected server error."))
                    headers = {"x-ms-failure-cause": "service"}
                    if burst.retry_after is not None:
                        headers["Retry-After"] = str(burst.retry_after)
                    return ArmError(burst.status, code, message.format(id=uuid.uuid4()), headers=headers)
            for throttle in self.throttles:
                if not (_matches(throttle.method, method) and _matches(throttle.path, path)):
                    continue
                if throttle.times is not None and throttle.fired >= throttle.times:
                    continue
                throttle.seen += 1
                if throttle.seen % throttle.every == 0:
                    throttle.fired += 1
                    kind = "reads" if method in ("GET", "HEAD") else "writes"
                    return ArmError(429, "TooManyRequests",
                                    "The request is being throttled as the limit has been reached for operation "
                                    f"type - {'Read' if kind == 'reads' else 'Write'}_ObservationWindow_00:05:00. "
                                    "For more information, refer to - https://aka.ms/srpthrottlinglimits",
                                    headers={"Retry-After": str(throttle.retry_after),
                                             f"x-ms-ratelimit-remaining-subscription-{kind}": "0"})
        return None

    def deployment_failure(self, name: str) -> DeploymentFailure | None:
        with self.lock:
            return next((f for f in self.deployment_failures if _matches(f.name, name)), None)

    def validation_failure(self, name: str) -> ValidationFailure | None:
        with self.lock:
            return next((f for f in self.validation_failures if _matches(f.name, name)), None)

    def delete_failure(self, path: str) -> DeleteFailure | None:
        with self.lock:
            return next((f for f in self.delete_failures if _matches(f.path, path)), None)


def fault_from_json(spec: dict[str, Any]) -> Any:
    """`{"kind": "throttle", "every": 3}` (the control endpoint's body) → a fault object."""
    kinds: dict[str, type] = {"throttle": Throttle, "errors": ErrorBurst, "fail_deployment": DeploymentFailure,
                              "fail_validation": ValidationFailure, "fail_delete": DeleteFailure, "delay": Delay}
    arguments = dict(spec)
    kind = kinds.get(str(arguments.pop("kind", "")))
    if kind is None:
        raise ArmError(400, "InvalidFault", f"'kind' must be one of {sorted(kinds)}")
    arguments.pop("seen", None)
    arguments.pop("fired", None)
    try:
        return kind(**arguments)
    except TypeError as e:
        raise ArmError(400, "InvalidFault", str(e)) from e
