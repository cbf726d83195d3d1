"""A certificate for 127.0.0.1 made for one benchmark run, trusted only by that run's processes.

Real push services speak HTTPS, and the handshake and encryption cost the sender
CPU. The benchmark's push service serves this certificate; the processes under
test are told to trust it through their environment (``SSL_CERT_FILE`` for
Python's ssl and so aiohttp, ``REQUESTS_CA_BUNDLE`` for requests and so
pywebpush, ``NODE_EXTRA_CA_CERTS`` for Node), never through the system's store.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def make_certificate(directory: str) -> tuple[str, str]:
    """Write a self-signed certificate and key for 127.0.0.1; return their paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tend benchmark push service")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(directory, "push-service.pem")
    key_path = os.path.join(directory, "push-service.key")
    with open(cert_path, "wb") as handle:
        handle.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    os.chmod(key_path, 0o600)
    return cert_path, key_path


def server_context(cert_path: str, key_path: str) -> ssl.SSLContext:
    """The push service's TLS context."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def trusting_env(cert_path: str) -> dict[str, str]:
    """Environment entries that make Python, requests and Node trust ``cert_path``."""
    return {
        "SSL_CERT_FILE": cert_path,
        "REQUESTS_CA_BUNDLE": cert_path,
        "NODE_EXTRA_CA_CERTS": cert_path,
    }
