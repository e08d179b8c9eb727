"""Client certificates for the TLS tests, on top of the MQTT tests' CA and server certificate.

The CA (`ca.crt`, key `ca.key`) signs the server certificate (for 127.0.0.1 and localhost)
and a client certificate; a second CA, which the server does not trust, signs a stranger's.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import require_program
from tests.outputs.mosquitto import make_certificates


@dataclass(frozen=True, slots=True)
class Pki:
    ca: Path
    ca_key: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    stranger_cert: Path
    stranger_key: Path


def issue(
    folder: Path, name: str, ca: tuple[Path, Path] | None, usage: str, san: str = ""
) -> tuple[Path, Path]:
    """A certificate and its key, signed by `ca` (cert, key) or self-signed as a CA when None;
    `usage` is serverAuth or clientAuth."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "2",
            "-subj", f"/CN={name}"]  # fmt: skip
    if ca is not None:
        args += ["-CA", str(ca[0]), "-CAkey", str(ca[1])]
        extensions = ["basicConstraints=critical,CA:FALSE", f"extendedKeyUsage={usage}"]
        extensions += [f"subjectAltName={san}"] if san else []
        for extension in extensions:
            args += ["-addext", extension]
    subprocess.run([require_program("openssl"), *args], check=True, capture_output=True, timeout=60)
    return cert, key


def make_pki(folder: Path) -> Pki:
    server = make_certificates(folder)
    ca = (server.ca, server.ca.with_name("ca.key"))
    client = issue(folder, "client", ca, "clientAuth")
    stranger = issue(folder, "stranger", issue(folder, "stranger-ca", None, ""), "clientAuth")
    return Pki(server.ca, ca[1], server.cert, server.key, *client, *stranger)
