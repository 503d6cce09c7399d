"""ACM: one imported certificate per region, valid for a year.

Importing one certificate made once per process is cheap; moto's RequestCertificate generates an
RSA key per call (about 0.1 s), too slow for hundreds of emulated accounts.
"""

from __future__ import annotations

import datetime
import functools

from graph_aws.demo.seeds import ClientFactory


@functools.cache
def demo_certificate(days_valid: float = 365) -> tuple[bytes, bytes]:
    """A self-signed certificate and its private key, PEM-encoded, that expires in `days_valid` days."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "demo.graph-aws.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=max(1, 30 - days_valid)))
        .not_valid_after(now + datetime.timedelta(days=days_valid))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("demo.graph-aws.example.com")]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    certificate, private_key = demo_certificate()
    for region in regions:
        client("acm", region).import_certificate(
            Certificate=certificate, PrivateKey=private_key, Tags=[{"Key": "owner", "Value": "platform"}]
        )
