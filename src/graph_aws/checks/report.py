"""Check results as a table (rich), JSON, or one self-contained HTML page (inline CSS, no assets)."""

from __future__ import annotations

import html
import json
from collections import Counter
from datetime import UTC, datetime

from rich.table import Table

from graph_aws.checks import FAILED, NOT_COLLECTED, CheckResult
from graph_aws.output import literal

_STYLE = {FAILED: "bold red", NOT_COLLECTED: "yellow"}


def _finding_label(finding: dict[str, object]) -> str:
    name = finding.get("displayName") or finding.get("_key")
    account = finding.get("accountId")
    return f"{name} ({account})" if account and account != name else str(name)


def summary(results: list[CheckResult]) -> str:
    counts = Counter(r.status for r in results)
    return ", ".join(f"{counts[s]} {s}" for s in ("passed", FAILED, NOT_COLLECTED))


def as_table(results: list[CheckResult]) -> Table:
    """Every cell is literal text: findings carry names from AWS, which may look like Rich markup."""
    table = Table(title=literal(f"graph-aws checks: {summary(results)}"))
    for column in ("Status", "Severity", "Check", "Control", "Findings"):
        table.add_column(column, overflow="fold")
    for result in results:
        details = result.reason or ", ".join(_finding_label(f) for f in result.findings[:5])
        if len(result.findings) > 5:
            details += f" and {len(result.findings) - 5} more"
        cells = (result.status, result.rule.severity, result.rule.title, result.rule.control, details)
        table.add_row(*(literal(cell) for cell in cells), style=_STYLE.get(result.status, ""))
    return table


def as_json(results: list[CheckResult]) -> str:
    return json.dumps({"summary": summary(results), "checks": [r.as_json() for r in results]}, indent=2)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #d0d7de; padding: .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
.failed { color: #b42318; font-weight: 600; }
.not-collected { color: #9a6700; }
.passed { color: #1a7f37; }
code { font-size: .85em; background: #f6f8fa; padding: .1rem .3rem; }
ul { margin: 0; padding-left: 1.2rem; }
"""


def as_html(results: list[CheckResult], generated: datetime | None = None) -> str:
    """One page, every value escaped, no scripts and no external links."""
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    rows = []
    for result in results:
        rule = result.rule
        if result.findings:
            items = "".join(f"<li>{html.escape(_finding_label(f))}</li>" for f in result.findings)
            details = f"<ul>{items}</ul>"
        else:
            details = html.escape(result.reason)
        rows.append(
            f'<tr><td class="{result.status.replace(" ", "-")}">{html.escape(result.status)}</td>'
            f"<td>{html.escape(rule.severity)}</td><td>{html.escape(rule.title)}</td>"
            f"<td>{html.escape(rule.control)}</td><td><code>{html.escape(rule.j1ql)}</code></td>"
            f"<td>{details}</td></tr>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>graph-aws checks</title><style>{_CSS}</style></head><body>"
        f"<h1>graph-aws checks</h1><p>{html.escape(summary(results))} &middot; generated {when}</p>"
        "<table><thead><tr><th>Status</th><th>Severity</th><th>Check</th><th>Control</th>"
        "<th>Query</th><th>Findings</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></body></html>\n"
    )
