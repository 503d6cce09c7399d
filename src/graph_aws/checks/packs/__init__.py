"""The packs `graph-aws check --pack NAME` runs: graph-aws's own account checks, and the rules of
JupiterOne's public rule packs (JupiterOne/jupiterone-alert-rules) that the graph answers, each in a
module of its own named after the pack file it follows.

rules_of(["aws-config"])   # the rules of these packs, in pack order; UnknownPackError names the known ones
"""

from __future__ import annotations

from collections.abc import Sequence

from graph_aws.checks.packs import aws_cis_foundations_2_0, aws_config, aws_config_services
from graph_aws.checks.rules import RULES, Rule
from graph_aws.errors import ConfigError

DEFAULT_PACK = "graph-aws"

PACKS: dict[str, tuple[Rule, ...]] = {
    DEFAULT_PACK: RULES,
    aws_cis_foundations_2_0.PACK: aws_cis_foundations_2_0.RULES,
    aws_config.PACK: aws_config.RULES + aws_config_services.RULES,
}

DESCRIPTIONS = {
    DEFAULT_PACK: "graph-aws's own CIS account checks (the default)",
    aws_cis_foundations_2_0.PACK: "JupiterOne's CIS AWS Foundations 2.0 pack",
    aws_config.PACK: "JupiterOne's AWS Config managed-rule pack",
}


class UnknownPackError(ConfigError):
    """`--pack` named a pack that does not exist."""


def rules_of(names: Sequence[str]) -> tuple[Rule, ...]:
    unknown = [name for name in names if name not in PACKS]
    if unknown:
        named, known = ", ".join(unknown), ", ".join(PACKS)
        raise UnknownPackError(f"unknown pack {named}: the packs are {known} (check --list-packs)")
    chosen = dict.fromkeys(names or [DEFAULT_PACK])  # in the order given, each once
    return tuple(rule for name in chosen for rule in PACKS[name])
