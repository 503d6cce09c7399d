"""AWS Config: one AWS-managed rule per region (moto runs managed rules only, and evaluates none)."""

from __future__ import annotations

import json
from typing import Any

from graph_aws.demo.seeds import ClientFactory

NON_COMPLIANT_RULE = "s3-bucket-versioning-enabled"


def patch_moto_config_compliance() -> None:
    """moto lacks DescribeComplianceByConfigRule. Answer it from moto's own rules: NON_COMPLIANT for
    NON_COMPLIANT_RULE (so the demo has a finding), INSUFFICIENT_DATA (nothing evaluated) for the others.

    Idempotent. It patches the moto running in this process: the seed calls it for in-process
    emulation; a moto server needs it applied in its own process (see emulator.patch_moto).
    """
    from moto.config.responses import ConfigResponse

    def describe_compliance_by_config_rule(self: Any) -> str:
        backend = self.config_backend
        names = self._get_param("ConfigRuleNames") or sorted(backend.config_rules)
        return json.dumps(
            {
                "ComplianceByConfigRules": [
                    {
                        "ConfigRuleName": name,
                        "Compliance": {
                            "ComplianceType": "NON_COMPLIANT"
                            if name == NON_COMPLIANT_RULE
                            else "INSUFFICIENT_DATA"
                        },
                    }
                    for name in names
                    if name in backend.config_rules
                ]
            }
        )

    setattr(ConfigResponse, "describe_compliance_by_config_rule", describe_compliance_by_config_rule)  # noqa: B010


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    patch_moto_config_compliance()
    for region in regions:
        client("config", region).put_config_rule(
            ConfigRule={
                "ConfigRuleName": NON_COMPLIANT_RULE,
                "Description": "S3 buckets have versioning enabled",
                "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"},
            }
        )
