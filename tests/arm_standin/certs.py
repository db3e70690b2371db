"""A throwaway certificate authority and a server certificate for 127.0.0.1, made with `cryptography`.

Two certificates rather than one self-signed leaf: OpenSSL's strict verification (the default from Python
3.13 on) rejects a CA certificate presented as the server's own, so clients trust `ca.pem` and the server
presents `server.pem`, which the CA signed.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class CertFiles:
    ca_file: Path  # the test CA alone
    bundle_file: Path  # certifi's public roots plus the test CA, for processes that also reach real HTTPS hosts
    cert_file: Path
    key_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_certificates(directory: Path, host: str = "127.0.0.1") -> CertFiles:
    """Write ca.pem, server.pem and server-key.pem into `directory`; valid for a day, for `host` only."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("ARM stand-in test CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = CertFiles(directory / "ca.pem", directory / "bundle.pem", directory / "server.pem",
                      directory / "server-key.pem")
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    files.ca_file.write_bytes(ca_pem)
    files.bundle_file.write_bytes(_public_roots() + ca_pem)
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    )
    files.key_file.chmod(0o600)
    return files


def _public_roots() -> bytes:
    try:
        import certifi  # requests' own bundle; installed with azure-core
    except ImportError:  # pragma: no cover
        return b""
    roots = Path(certifi.where()).read_bytes()
    return roots if roots.endswith(b"\n") else roots + b"\n"
