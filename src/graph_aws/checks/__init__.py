"""CIS AWS Foundations and AWS account checks, written in J1QL and answered from the store.

results = run_checks(store)            # one CheckResult per rule, in RULES order
failed_at_or_above(results, "high")    # what makes `graph-aws check --fail-on high` exit 1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph_aws.checks.rules import RULES, SEVERITIES, Rule, at_or_above
from graph_aws.query import run_query
from graph_aws.query.run import ReadableStore

PASSED, FAILED, NOT_COLLECTED = "passed", "failed", "not collected"


@dataclass
class CheckResult:
    rule: Rule
    status: str  # passed | failed | not collected
    findings: list[dict[str, Any]] = field(default_factory=list)  # the failing entities
    reason: str = ""  # why a rule was not judged

    def as_json(self) -> dict[str, Any]:
        rule = self.rule
        return {
            "id": rule.id,
            "pack": rule.pack,
            "follows": rule.follows,
            "title": rule.title,
            "severity": rule.severity,
            "control": rule.control,
            "query": rule.j1ql,
            "status": self.status,
            "reason": self.reason,
            "findings": [
                {k: f.get(k) for k in ("_key", "_type", "displayName", "accountId") if k in f}
                for f in self.findings
            ],
        }


def _collected(store: ReadableStore, rule: Rule) -> str:
    """'' when the rule can be judged, else the reason it cannot."""
    missing = [t for t in rule.required_types if not run_query(store, f"FIND {t} LIMIT 1").rows]
    if missing:
        return f"no {', '.join(missing)} in the store: these types were never collected"
    if rule.collected_when and not run_query(store, f"{rule.collected_when} LIMIT 1").rows:
        return rule.note or f"nothing matches `{rule.collected_when}`: the property was not collected"
    return ""


def run_check(store: ReadableStore, rule: Rule) -> CheckResult:
    reason = _collected(store, rule)
    if reason:
        return CheckResult(rule, NOT_COLLECTED, reason=reason)
    findings = run_query(store, rule.j1ql, page_size=None).records()  # every finding, not J1's page
    return CheckResult(rule, FAILED if findings else PASSED, findings)


def run_checks(store: ReadableStore, rules: tuple[Rule, ...] = RULES) -> list[CheckResult]:
    return [run_check(store, rule) for rule in rules]


def failed_at_or_above(results: list[CheckResult], threshold: str) -> list[CheckResult]:
    return [r for r in results if r.status == FAILED and at_or_above(r.rule.severity, threshold)]


__all__ = [
    "FAILED",
    "NOT_COLLECTED",
    "PASSED",
    "RULES",
    "SEVERITIES",
    "CheckResult",
    "Rule",
    "failed_at_or_above",
    "run_check",
    "run_checks",
]
