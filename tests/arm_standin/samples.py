"""A small ARM template the stand-in's tests and the ARM wrappers' tests deploy: a storage account, a SQL server
and its database (a child type), with parameters, variables, a securestring default and an output."""

from __future__ import annotations

from typing import Any

STORAGE_API = "2023-01-01"

SAMPLE_TEMPLATE: dict[str, Any] = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {
        "prefix": {"type": "string"},
        "wave": {"type": "string", "defaultValue": "1"},
        "location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
        "adminPassword": {"type": "securestring", "defaultValue": "not-echoed"},
    },
    "variables": {"tags": {"wave": "[parameters('wave')]", "managedBy": "lumen-migrate"},
                  "server": "[concat(parameters('prefix'), '-sql')]"},
    "resources": [
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": STORAGE_API,
         "name": "[concat(parameters('prefix'), 'store')]", "location": "[parameters('location')]",
         "tags": "[variables('tags')]", "properties": {"minimumTlsVersion": "TLS1_2"}},
        {"type": "Microsoft.Sql/servers", "apiVersion": "2021-11-01", "name": "[variables('server')]",
         "location": "[parameters('location')]", "tags": "[variables('tags')]", "properties": {"version": "12.0"}},
        {"type": "Microsoft.Sql/servers/databases", "apiVersion": "2021-11-01",
         "name": "[concat(variables('server'), '/', parameters('prefix'), '-db')]",
         "location": "[parameters('location')]", "tags": "[variables('tags')]", "properties": {},
         "dependsOn": ["[resourceId('Microsoft.Sql/servers', variables('server'))]"]},
    ],
    "outputs": {"storageId": {
        "type": "string",
        "value": "[resourceId('Microsoft.Storage/storageAccounts', concat(parameters('prefix'), 'store'))]",
    }},
}
