"""A real mosquitto broker for the MQTT tests: its own config, a free port, loopback only."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import require_program
from tests.integration.helpers import free_port


@dataclass(frozen=True, slots=True)
class Certificates:
    ca: Path
    cert: Path
    key: Path


def make_certificates(folder: Path) -> Certificates:
    """A throw-away CA and a server certificate for 127.0.0.1, made with openssl."""
    openssl = require_program("openssl")
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (
        folder / n for n in ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt")
    )
    ext = folder / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    steps = [
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
         "-days", "2", "-subj", "/CN=solar2prom test CA"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
         "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
         "-out", cert, "-days", "2", "-extfile", ext],
    ]  # fmt: skip
    for step in steps:
        subprocess.run([openssl, *map(str, step)], check=True, capture_output=True, timeout=60)
    return Certificates(ca, cert, key)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"mosquitto exited:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"mosquitto did not listen:\n{log.read_text(errors='replace')}")


@contextmanager
def mosquitto(
    folder: Path,
    users: dict[str, str] | None = None,
    tls: Certificates | None = None,
    port: int | None = None,
) -> Iterator[int]:
    """Run a broker; yields its port. Anonymous unless `users` (name -> password) are given."""
    binary = require_program("mosquitto")
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    # Started as root, mosquitto would switch to its own user, who cannot read our files.
    user = pwd.getpwuid(os.getuid()).pw_name
    lines = [f"listener {port} 127.0.0.1", f"user {user}", "persistence false", "log_type all"]
    if users:
        passwords = folder / "passwords"
        passwd = require_program("mosquitto_passwd")
        passwords.touch(mode=0o600)
        for user, password in users.items():
            subprocess.run([passwd, "-b", str(passwords), user, password], check=True, timeout=30)
        lines += ["allow_anonymous false", f"password_file {passwords}"]
    else:
        lines.append("allow_anonymous true")
    if tls:
        lines += [f"cafile {tls.ca}", f"certfile {tls.cert}", f"keyfile {tls.key}"]
    config = folder / "mosquitto.conf"
    config.write_text("\n".join(lines) + "\n")
    log = folder / "mosquitto.log"
    with log.open("wb") as out:
        process = subprocess.Popen([binary, "-c", str(config)], stdout=out, stderr=out)
        try:
            _wait_for_port(port, process, log)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
