"""A stand-in of Azure Resource Manager (and of Entra ID's token endpoint) for tests, over real HTTPS.

The real Azure SDK clients (`ResourceManagementClient`, `DeploymentsMgmtClient`) and the real
`azure.identity.ClientSecretCredential` talk to it as they would to management.azure.com and
login.microsoftonline.com; tests then assert what exists afterwards, not which calls were made.

Modelled, with the shapes of the recordings in the shared data folder (arm_recordings/): one subscription;
resource groups (PUT 201/200, HEAD 204/404, PATCH tags, DELETE 202 + Location); generic resources by id;
resource-group deployments of inline ARM JSON templates (PUT 201 + Azure-AsyncOperation, polled to a
terminal state; Incremental and Complete modes; outputs, outputResources, deployment operations), validate
(200, or 400 InvalidTemplateDeployment), what-if (202 + Location → Create/NoChange/Modify/Ignore/Delete),
cancel, deletes as long-running operations; ARM's error bodies (ResourceGroupNotFound, ResourceNotFound,
DeploymentNotFound, 401 AuthenticationFailed with WWW-Authenticate); paging with nextLink; and injected
faults: throttling (429 + Retry-After), 5xx bursts, deployments that fail part-way, failing validations and
deletes, slow answers. Long-running operations advance on the server (any client's polls count), so a
client that dies mid-operation can be replaced by another.

Not modelled: template functions beyond parameters/variables/resourceGroup/concat/resourceId (others are a
400 naming them), linked templates, copy loops, nested deployments, subscription/management-group/tenant
scopes, resource providers' own behaviour (a resource is just its JSON), RBAC, locks, tags API, moves,
CAE claims challenges, real token signatures.
"""

from tests.arm_standin.errors import ArmError
from tests.arm_standin.model import Deployment, DeploymentOperation, Resource, ResourceGroup
from tests.arm_standin.server import ArmStandIn
from tests.arm_standin.state import DEFAULT_LOCATIONS, LoggedRequest

__all__ = [
    "DEFAULT_LOCATIONS",
    "ArmError",
    "ArmStandIn",
    "Deployment",
    "DeploymentOperation",
    "LoggedRequest",
    "Resource",
    "ResourceGroup",
]
