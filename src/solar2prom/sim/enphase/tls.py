"""A self-signed certificate for the simulated gateway's HTTPS side, as real gateways have.

Made with the `openssl` command line (the `cryptography` package is not a dependency), once
per process: an EC key is quick to generate, and every simulator may share it.
"""

from __future__ import annotations

import functools
import ssl
import subprocess
import tempfile
from pathlib import Path


@functools.cache
def _certificate() -> tuple[bytes, bytes]:
    with tempfile.TemporaryDirectory(prefix="solar2prom-tls-") as folder:
        key, cert = Path(folder) / "key.pem", Path(folder) / "cert.pem"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                str(key),
                "-out",
                str(cert),
                "-days",
                "3650",
                "-subj",
                "/CN=envoy.local",
                "-addext",
                "subjectAltName=DNS:envoy.local,DNS:localhost,IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )
        return cert.read_bytes(), key.read_bytes()


def server_context() -> ssl.SSLContext:
    """A TLS server context with the shared self-signed certificate."""
    cert_pem, key_pem = _certificate()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory(prefix="solar2prom-tls-") as folder:
        cert, key = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert.write_bytes(cert_pem)
        key.write_bytes(key_pem)
        key.chmod(0o600)
        context.load_cert_chain(cert, key)
    return context
