"""Deny by default, bounded bodies, one-line answers to bad requests, nothing secret in the log."""

from __future__ import annotations

import datetime
import socket
import time

import httpx
import pytest
from serve_helpers import make_key, widget

from graph_aws.model import make_relationship
from graph_aws.store import SqliteStore

GRAPHQL = {"query": '{ queryV1(query: "FIND acme_widget") { type data } }'}
JOBS = "/persister/synchronization/jobs"


def assert_one_line_error(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert "Traceback" not in answer.text and 'File "' not in answer.text
    payload = answer.json()
    message = payload["error"]["message"] if "error" in payload else payload["errors"][0]["message"]
    assert message and "\n" not in message
    return message


def test_every_data_route_needs_a_live_key_and_health_does_not(served):
    anonymous = served.http(key=None)
    assert anonymous.get("/health").json() == {"status": "ok"}
    assert anonymous.get("/").status_code == 200  # the UI's page holds no data; it asks for the key
    for method, path, body in [
        ("POST", "/", GRAPHQL),
        ("POST", "/graphql", GRAPHQL),
        ("POST", JOBS, {"source": "api", "scope": "x"}),
        ("GET", JOBS + "/some-job", None),
        ("GET", "/ui-api/accounts", None),
        ("GET", "/ui-api/checks", None),
        ("GET", "/ui-api/session", None),
    ]:
        for client in (
            anonymous,
            served.http(key="gak_0123456789ab_" + "x" * 43),
            served.http(key="nonsense"),
        ):
            answer = client.request(method, path, json=body)
            message = assert_one_line_error(answer, 401)
            assert "Bearer" in message and answer.headers["www-authenticate"].startswith("Bearer")
    assert served.http().post("/", json=GRAPHQL).status_code == 200


def test_a_revoked_key_is_refused_within_seconds(served):
    from click.testing import CliRunner

    from graph_aws.cli import cli

    assert served.http().post("/", json=GRAPHQL).status_code == 200
    key_id = served.key.split("_")[1]
    revoked = CliRunner().invoke(cli, ["api-key", "revoke", key_id, "--db", str(served.db)])
    assert revoked.exit_code == 0
    deadline = time.monotonic() + 10
    while served.http().post("/", json=GRAPHQL).status_code == 200:
        assert time.monotonic() < deadline, "the revoked key was still accepted after 10 s"
        time.sleep(0.2)


def test_bodies_over_the_limit_are_413_whether_declared_or_streamed(serve_factory):
    served = serve_factory(None, "--max-body-bytes", "4096")
    job = served.http().post(JOBS, json={"source": "api", "scope": "limits"}).json()["job"]
    big = {"entities": [{"_key": f"k-{i:06d}", "_type": "t", "_class": "Resource"} for i in range(200)]}
    answer = served.http().post(f"{JOBS}/{job['id']}/entities", json=big)
    assert "4096 bytes" in assert_one_line_error(answer, 413)
    assert answer.json()["error"]["code"] == "REQUEST_TOO_LARGE"

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(10):
            yield b" " * 1000

    streamed = served.http().post("/", content=chunks(), headers={"content-type": "application/json"})
    assert_one_line_error(streamed, 413)
    small = {"entities": big["entities"][:5]}
    assert served.http().post(f"{JOBS}/{job['id']}/entities", json=small).status_code == 200


def test_malformed_json_and_graphql_get_400_with_graphql_errors(served):
    client = served.http()
    assert "not JSON" in assert_one_line_error(client.post("/", content=b"{not json"), 400)
    assert "not JSON" in assert_one_line_error(client.post(JOBS, content=b"[1, 2"), 400)
    assert client.post(JOBS, content=b"{oops").json()["error"]["code"] == "INVALID_JSON"
    assert_one_line_error(client.post("/", content="\xff\xfe".encode("latin-1")), 400)
    assert_one_line_error(client.post("/", json=["not", "an", "object"]), 400)
    assert "Syntax Error" in assert_one_line_error(client.post("/", json={"query": "{ queryV1(query: "}), 400)
    unknown = client.post("/", json={"query": "{ nothing }"})
    assert "Cannot query field 'nothing'" in assert_one_line_error(unknown, 400)
    missing_variable = client.post(
        "/", json={"query": "query Q($q: String!) { queryV1(query: $q) { type } }"}
    )
    assert "$q" in assert_one_line_error(missing_variable, 400)
    bad_variables = client.post(
        "/", json={"query": '{ queryV1(query: "FIND x") { type } }', "variables": [1]}
    )
    assert_one_line_error(bad_variables, 400)


def test_j1ql_errors_are_graphql_errors_with_status_200(served):
    answer = served.http().post(
        "/", json={"query": '{ queryV1(query: "FIND acme_widget WITH") { type data } }'}
    )
    assert answer.status_code == 200
    payload = answer.json()
    assert payload["data"] == {"queryV1": None}
    (error,) = payload["errors"]
    assert error["extensions"]["code"] == "J1QL_ERROR" and "expected" in error["message"]


def test_a_slow_query_is_stopped_at_the_timeout_and_the_server_goes_on(tmp_path, serve_factory):
    db = tmp_path / "star.db"
    hub, leaves = widget(0), [widget(i) for i in range(1, 1500)]
    store = SqliteStore(db)
    store.sync_scope(
        "account:1",
        [hub, *leaves],
        [make_relationship(from_entity=hub, to_entity=leaf, verb="HAS") for leaf in leaves],
    )
    store.close()
    served = serve_factory(db, "--query-timeout", "2")
    # Leaf, hub, leaf: 1,499 x 1,499 distinct pairs to find, several seconds of work even on an idle core.
    slow = "FIND acme_widget AS a THAT RELATES TO * AS b THAT RELATES TO * AS c RETURN a.name, c.name"
    started = time.monotonic()
    query = "query Q($q: String!) { queryV1(query: $q) { type data } }"
    answer = served.http().post("/", json={"query": query, "variables": {"q": slow}})
    assert time.monotonic() - started < 10
    assert answer.status_code == 200
    assert "longer than 2 s" in answer.json()["errors"][0]["message"]
    quick = served.graphql('{ queryV1(query: "FIND acme_widget WITH size = 3 LIMIT 2") { type data } }')
    assert quick["data"]["queryV1"] is not None, quick["errors"]
    assert len(quick["data"]["queryV1"]["data"]) == 2


def test_the_key_headers_bodies_and_deferred_tokens_never_reach_the_log(serve_factory, tmp_path):
    served = serve_factory(None, "--log-level", "debug", cli_options=("--debug",))
    other_key = make_key(served.db, "other")
    secret_value = "s3cr3t-uploaded-value-9f8e7d"
    client = served.http(**{"JupiterOne-Account": "acct-logs"})
    client.post("/?apiKey=" + served.key, json=GRAPHQL)
    served.http(key=other_key[:-3] + "abc").post("/", json=GRAPHQL)  # a wrong key: 401
    job = client.post(JOBS, json={"source": "api", "scope": "logs"}).json()["job"]
    entity = {
        "_key": "secret-holder-1",
        "_type": "acme_secret",
        "_class": "Resource",
        "password": secret_value,
    }
    client.post(f"{JOBS}/{job['id']}/entities", json={"entities": [entity]})
    client.post(
        f"{JOBS}/{job['id']}/entities", json={"entities": [{**entity, "nested": {"password": secret_value}}]}
    )
    client.post(f"{JOBS}/{job['id']}/finalize", json={})
    client.post(f"{JOBS}/{job['id']}/entities", json={"entities": [entity]})  # too late: 409
    deferred = client.post(
        "/",
        json={
            "query": "query Q($q: String!) { queryV1(query: $q, deferredResponse: FORCE) { type url } }",
            "variables": {"q": "FIND acme_secret WITH password = '" + secret_value + "'"},
        },
    ).json()["data"]["queryV1"]["url"]
    token = deferred.rsplit("/", 1)[1]
    for _ in range(50):
        if httpx.get(deferred).json()["status"] != "IN_PROGRESS":
            break
        time.sleep(0.1)
    time.sleep(0.3)  # let the last lines reach the log
    logs = served.logs()
    assert "POST /persister/synchronization/jobs" in logs and "/query-results/<token>" in logs  # it does log
    for secret in (served.key, served.key.split("_", 2)[2], other_key, secret_value, token, "apiKey"):
        assert secret not in logs, f"{secret[:8]}... reached the log"
    assert "Authorization" not in logs and "Bearer gak" not in logs and "Traceback" not in logs


def test_a_host_other_than_loopback_warns_unless_tls_is_given(serve_factory, tmp_path):
    quiet = serve_factory(None)
    assert "warning" not in quiet.logs()
    loud = serve_factory(None, "--host", "0.0.0.0")
    assert "warning: serving on 0.0.0.0 without TLS" in loud.logs()

    cert, key = _self_signed(tmp_path)
    secure = serve_factory(None, "--host", "0.0.0.0", "--tls-cert", str(cert), "--tls-key", str(key))
    assert secure.url.startswith("https://") and "warning" not in secure.logs()
    assert secure.http().post("/", json=GRAPHQL).status_code == 200
    with pytest.raises(httpx.HTTPError):  # it speaks TLS only
        httpx.get(secure.url.replace("https://", "http://") + "health", timeout=5)


def test_a_port_in_use_is_one_line_naming_the_fix(tmp_path):
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "graph_aws.cli",
                "serve",
                "--db",
                str(tmp_path / "g.db"),
                "--port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr


def _self_signed(folder):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(private, hashes.SHA256())
    )
    cert, key = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert, key


@pytest.mark.parametrize(
    "options, expected",
    [
        (("--tls-cert", "{junk}", "--tls-key", "{junk}"), "cannot use them"),
        (("--tls-cert", "{junk}"), "--tls-cert and --tls-key go together"),
        (("--db", "{missing}/graph.db"), "does not exist"),
        (("--host", "no-such-host.invalid"), "cannot resolve it"),
    ],
)
def test_bad_serve_options_are_one_line_naming_the_option(tmp_path, options, expected):
    import subprocess
    import sys

    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    args = [o.format(junk=junk, missing=tmp_path / "missing") for o in options]
    if "--db" not in args:
        args += ["--db", str(tmp_path / "g.db")]
    result = subprocess.run(
        [sys.executable, "-m", "graph_aws.cli", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode in (1, 2), result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("Error")]) == 1
