"""What JupiterOne's data model requires of each class, as facts: `@jupiterone/data-model` 0.64.2.

`REQUIRED[class][property]` is True when the property may be null, False when it needs a value.
Every entity also needs `_key`, `_type`, `_class`, `name` and `displayName` (GraphObject and
Entity); the builders set those, so they are left out here. `tests/test_j1_schemas.py` reads the
installed package and fails when this table and the package disagree, so it cannot drift.

A property that a class requires and may be null is present as `null` when AWS does not give it,
as the SDK's validator wants (a Host without an `fqdn` still has `"fqdn": null`). A property that
needs a value is the converter's to supply: the table only says which.
"""

from __future__ import annotations

from collections.abc import Iterable

DATA_MODEL_VERSION = "0.64.2"

_HOST = {
    "category": True,
    "deviceId": True,
    "fqdn": True,
    "hostname": True,
    "ipv4Addresses": True,
    "ipv6Addresses": True,
    "lastSeenOn": True,
    "macAddresses": True,
    "make": True,
    "model": True,
    "osDetails": True,
    "osName": True,
    "osType": True,
    "osVersion": True,
    "privateIpAddresses": True,
    "publicIpAddresses": True,
    "serial": True,
}

REQUIRED: dict[str, dict[str, bool]] = {
    "Account": {"vendor": False},
    "ApplicationEndpoint": {"address": True},
    "Assessment": {"category": False, "internal": False, "summary": False},
    "CodeCommit": {"branch": False, "merge": False, "message": False, "versionBump": False},
    "CodeReview": {"title": False},
    "DataCollection": {"classification": True},
    "DataObject": {"classification": True},
    "DataStore": {"classification": True, "encrypted": True},
    "Device": _HOST,
    "Disk": {"classification": True, "encrypted": True},
    "Domain": {"domainName": False},
    "DomainRecord": {"TTL": False, "type": False},
    "DomainZone": {"domainName": False},
    "Finding": {"category": True, "numericSeverity": True, "open": True, "severity": True},
    "Firewall": {"category": False},
    "Framework": {"standard": False, "version": False},
    "Gateway": {"category": False, "function": False, "public": False},
    "Host": _HOST,
    "HostAgent": {"function": False, "lastSeenOn": True},
    "Incident": {"category": False, "reportable": False, "severity": False},
    "IpAddress": {"ipAddress": False},
    "IpRange": {"active": False, "begin": False, "end": False, "public": False},
    "Network": {"CIDR": True, "internal": True, "public": True},
    "PR": {"repository": False, "source": False, "state": False, "target": False, "title": False},
    "Person": {"email": False, "firstName": False, "lastName": False},
    "Policy": {"content": False, "summary": False, "title": False},
    "Port": {"open": False, "port": False, "protocol": False},
    "Problem": {"category": True, "numericSeverity": True, "open": True, "severity": True},
    "Procedure": {"content": False, "summary": False, "title": False},
    "Question": {"queries": False},
    "Requirement": {"title": False},
    "Review": {"title": False},
    "Risk": {"impact": False, "probability": False, "score": False, "status": False},
    "Scanner": {"category": False},
    "Service": {"category": False, "function": False},
    "Standard": {"version": False},
    "User": {"email": True, "firstName": True, "lastName": True, "shortLoginId": True, "username": True},
    "Vendor": {"category": False},
    "Vulnerability": {"cveId": True, "open": True},
    "Weakness": {"cweId": True, "open": False},
}


def nullable_required(classes: Iterable[str]) -> list[str]:
    """The properties these classes require that may be null, each once, in a stable order."""
    names: dict[str, None] = {}
    for class_name in classes:
        for name, nullable in REQUIRED.get(class_name, {}).items():
            if nullable:
                names[name] = None
    return list(names)


def required_values(classes: Iterable[str]) -> list[str]:
    """The properties these classes require a (non-null) value for."""
    names: dict[str, None] = {}
    for class_name in classes:
        for name, nullable in REQUIRED.get(class_name, {}).items():
            if not nullable:
                names[name] = None
    return list(names)
