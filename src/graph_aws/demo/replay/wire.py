"""How the recorder and the replay server read an AWS request off the wire.

A request is named by what does not change from one account to the next: its service, region,
method, path, sorted query and canonical body, with the account that signed it written as the
recording's own account. The replay server finds the account that signs a call from its access key:
keys it hands out from AssumeRole carry the account id (`ASIA<account id>RPLY`); any other key is the
organization's management account.

Some identifiers AWS keeps unique across accounts without naming the account (API Gateway's API
ids, Route 53's hosted zone ids, EBS snapshot and AMI ids): replayed as recorded, every account
would answer with the same ones, and the graph would hold one API for all of them. The server
gives each account its own (`account_identifier`), in the identifier's alphabet, and reads them back
in the calls that name them.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

_CREDENTIAL = re.compile(rb"Credential=([^/]+)/\d+/([^/]+)/([^/]+)/")
_ASSUMED_KEY = re.compile(r"^ASIA(\d{12})RPLY$")
_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # /2015-03-31/functions
_UNIQUE_IDS = re.compile(r"/(?:restapis|v2/apis)/([a-z0-9]{8,})|/hostedzone/([A-Z0-9]{8,})")
# EBS snapshots and AMIs: ARNs without an account, ids AWS keeps unique; named in answers.
_EC2_IDS = re.compile(rb"\b((?:snap|ami)-[0-9a-f]{8,17})\b")
_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def access_key_for(account_id: str) -> str:
    return f"ASIA{account_id}RPLY"


def is_assumed_key(access_key: str) -> bool:
    return bool(_ASSUMED_KEY.match(access_key))


def account_of_key(access_key: str, default: str) -> str:
    match = _ASSUMED_KEY.match(access_key)
    return match.group(1) if match else default


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    def signer(self) -> tuple[str, str, str]:
        """(access key, region, service) of the signature; ("", "", "?") for an unsigned call."""
        match = _CREDENTIAL.search(self.headers.get("authorization", "").encode())
        if not match:
            return "", "", "?"
        key, region, service = (part.decode() for part in match.groups())
        return key, region, service

    def form(self) -> dict[str, str]:
        """The parameters of a query-protocol call (form body), first value of each."""
        if self.headers.get("x-amz-target") or not self.body:
            return {}
        return dict(urllib.parse.parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def json_body(self) -> dict[str, object]:
        try:
            parsed = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}


def operation_of(request: Request, service: str) -> str:
    """The API operation a call names: X-Amz-Target, the Action of a form, or for REST calls the
    method and first path segment after the API version (S3: method and sub-resource)."""
    target = request.headers.get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1]
    form = request.form()
    if "Action" in form:
        return form["Action"]
    path, query = request.path, request.query
    if service == "s3":
        if path in ("", "/"):
            return "ListBuckets" if request.method == "GET" else request.method
        sub_resource = query.split("&")[0].split("=")[0]
        return f"{request.method} ?{sub_resource}" if sub_resource else f"{request.method} bucket"
    segments = [p for p in path.split("/") if p and not _API_VERSION.match(p)]
    name = segments[0] if segments else request.method
    return name[:1].upper() + name[1:]


def canonical_body(request: Request) -> str:
    """The body as a key: JSON with sorted keys, a form with sorted fields, else the text itself."""
    if not request.body:
        return ""
    text = request.body.decode("utf-8", "replace")
    content_type = request.headers.get("content-type", "")
    if "json" in content_type or request.headers.get("x-amz-target"):
        try:
            return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
        except ValueError:
            return text
    if "x-www-form-urlencoded" in content_type:
        return urllib.parse.urlencode(sorted(urllib.parse.parse_qsl(text, keep_blank_values=True)))
    return text


def request_key(request: Request, service: str, region: str, account_id: str, template_account: str) -> str:
    """What a recorded call is found by: the call as the recording's account would have made it."""
    query = urllib.parse.urlencode(sorted(urllib.parse.parse_qsl(request.query, keep_blank_values=True)))
    target = request.headers.get("x-amz-target", "")
    key = f"{service} {region} {request.method} {request.path}?{query} {target} {canonical_body(request)}"
    return key.replace(account_id, template_account) if account_id != template_account else key


def unique_identifiers(request_keys: Iterable[str]) -> list[str]:
    """The account-independent unique identifiers the recorded calls name in their paths."""
    found = {i for key in request_keys for match in _UNIQUE_IDS.finditer(key) for i in match.groups() if i}
    return sorted(found)


def ec2_identifiers(bodies: Iterable[bytes]) -> list[str]:
    """The snapshot and image ids the recorded answers name (a snapshot's or an image's key names
    no account: replayed as recorded, every account would hold the same one)."""
    return sorted({m.decode() for body in bodies for m in _EC2_IDS.findall(body)})


def account_identifier(identifier: str, account_id: str, index: int, count: int) -> str:
    """`identifier`, the `index`-th of the recording's `count`, as another account's: its end is the
    index and the account id written in the identifier's alphabet (hex for `ami-12c6146b`, base 36
    otherwise, in its case), so no two identifiers of one account meet, nor two accounts' (keeping
    only a prefix and the account would give moto's many eight-digit AMIs one id). It keeps the
    identifier's length where that has room for both, and grows it where not."""
    prefix, dash, body = identifier.rpartition("-")
    base = 16 if all(c in "0123456789abcdef" for c in body) else 36
    width = 1
    while base**width < count:
        width += 1
    end = _digits(index, base, width) + _digits(int(account_id), base, 10 if base == 16 else 8)
    end = end.upper() if body.isupper() else end
    return prefix + dash + body[: max(0, len(body) - len(end))] + end


def _digits(number: int, base: int, width: int) -> str:
    digits = ""
    for _ in range(width):
        number, digit = divmod(number, base)
        digits = _DIGITS36[digit] + digits
    return digits
