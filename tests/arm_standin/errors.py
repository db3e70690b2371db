"""ARM's error answer: an HTTP status and `{"error": {"code", "message", "details"?}}`, as in the recordings."""

from __future__ import annotations

from typing import Any


class ArmError(Exception):
    """Raised anywhere in the stand-in; the server turns it into the HTTP answer ARM would give."""

    def __init__(self, status: int, code: str, message: str, *, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None, target: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}
        self.target = target

    def error(self) -> dict[str, Any]:
        """The inner `error` object (also what a failed operation status carries)."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            body["target"] = self.target
        if self.details:
            body["details"] = self.details
        return body

    def body(self) -> dict[str, Any]:
        return {"error": self.error()}


def resource_group_not_found(name: str) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.",
                    headers={"x-ms-failure-cause": "gateway"})


def resource_not_found(type_and_name: str, resource_group: str) -> ArmError:
    return ArmError(404, "ResourceNotFound",
                    f"The Resource '{type_and_name}' under resource group '{resource_group}' was not found. "
                    "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
                    headers={"x-ms-failure-cause": "gateway"})


def deployment_not_found(name: str) -> ArmError:
    return ArmError(404, "DeploymentNotFound", f"Deployment '{name}' could not be found.")


def invalid_template(message: str) -> ArmError:
    return ArmError(400, "InvalidTemplate", f"Deployment template validation failed: '{message}'.")


def invalid_template_deployment(deployment: str, details: list[dict[str, Any]]) -> ArmError:
    return ArmError(400, "InvalidTemplateDeployment",
                    f"The template deployment '{deployment}' is not valid according to the validation procedure. "
                    "See inner errors for details.", details=details, headers={"x-ms-failure-cause": "gateway"})
