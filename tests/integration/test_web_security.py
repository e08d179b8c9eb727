"""`web: {config_file: web.yml}` end to end: TLS, client certificates and basic auth on every
path, checked with real clients (aiohttp, `openssl s_client`, Prometheus) and against
`promtool check web-config`; and the simulators, which listen on loopback unless told
otherwise."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import re
import socket
import ssl
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import bcrypt
import pytest

from solar2prom.app import Application
from solar2prom.config import AppConfig
from solar2prom.core.errors import ConfigError
from solar2prom.demo import SIMULATORS, demo_clock
from solar2prom.outputs.web_config import WebConfig, load_web_settings
from solar2prom.sim.apsystems_ez1 import Ez1Simulator
from solar2prom.sources.apsystems.ez1 import Ez1Config
from tests.conftest import require_program
from tests.integration.certs import Pki, issue, make_pki
from tests.integration.conftest import write_config
from tests.integration.helpers import free_port, process, solar2prom, wait_for_line

PASSWORD = "s3cret-scrape-password"
HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
HEADERS = {"X-Frame-Options": "deny", "Strict-Transport-Security": "max-age=31536000"}
PATHS = ("/metrics", "/healthz", "/", "/no-such-page")
TLS_FAILURE = (aiohttp.ClientError, ssl.SSLError, ConnectionError)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def web_yml(pki: Pki, tls: str = "", users: bool = True, headers: bool = True) -> str:
    text = f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n"
    text += "".join(f"  {line}\n" for line in tls.splitlines())
    if headers:
        text += "http_server_config:\n  headers:\n"
        text += "".join(f"    {name}: {value}\n" for name, value in HEADERS.items())
    if users:
        text += f"basic_auth_users:\n  prom: '{HASH}'\n"
    return text


def client_tls(pki: Pki, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=pki.ca)
    if cert is not None:
        context.load_cert_chain(cert, key)
    return context


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def write_web(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "web.yml"
    path.write_text(text)
    return path


@asynccontextmanager
async def serving(web_file: Path) -> AsyncIterator[str]:
    """`Application` with an EZ1 simulator as its source, behind the given web config file."""
    clock = demo_clock(1.0)  # daytime at the simulated inverter, which sleeps at night
    simulator = Ez1Simulator(clock=clock)
    sim_url = await simulator.start()
    source = Ez1Config(name="ez1", type="apsystems_ez1", url=sim_url, night={"mode": "off"})
    config = AppConfig(listen="127.0.0.1:0", web=WebConfig(config_file=web_file), sources=(source,))
    app = Application(config, clock, web_file.parent / "state")
    try:
        urls = await app.start()
        yield urls[0]
    finally:
        await app.stop()
        await simulator.stop()


async def get(
    url: str, context: ssl.SSLContext | bool, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, ssl=context, headers=headers) as response,
    ):
        return response.status, dict(response.headers), await response.text()


async def test_basic_auth_guards_every_path_and_headers_go_on_every_answer(
    tmp_path: Path, pki: Pki
) -> None:
    async with serving(write_web(tmp_path, web_yml(pki))) as url:
        assert url.startswith("https://127.0.0.1:")
        context = client_tls(pki)
        for credentials in (None, basic("prom", "wrong"), basic("nobody", PASSWORD)):
            for path in PATHS:
                status, headers, body = await get(url + path, context, credentials)
                assert status == 401, path
                assert headers["WWW-Authenticate"].startswith("Basic realm=")
                assert {k: headers[k] for k in HEADERS} == HEADERS
                assert headers["Server"] == "solar2prom"  # no versions for a scanner
                assert "solar_" not in body
        deadline = time.monotonic() + 30
        status, headers, body = await get(url + "/metrics", context, basic("prom", PASSWORD))
        while 'solar_source_up{source="ez1"} 1.0' not in body:
            assert time.monotonic() < deadline, body
            await asyncio.sleep(0.2)
            status, headers, body = await get(url + "/metrics", context, basic("prom", PASSWORD))
        assert status == 200
        for path, expected in (("/healthz", 200), ("/", 200), ("/no-such-page", 404)):
            status, headers, body = await get(url + path, context, basic("prom", PASSWORD))
            assert status == expected, path
            assert {k: headers[k] for k in HEADERS} == HEADERS
            assert headers["Server"] == "solar2prom"
        health = json.loads((await get(url + "/healthz", context, basic("prom", PASSWORD)))[2])
        assert health["sources"]["ez1"]["state"] == "up"
        with pytest.raises(TLS_FAILURE):
            await get(url.replace("https://", "http://") + "/metrics", False)
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await get(url + "/metrics", ssl.create_default_context())  # not our CA


@pytest.mark.parametrize(
    ("mode", "without", "stranger"),
    [
        ("RequireAndVerifyClientCert", False, False),
        ("VerifyClientCertIfGiven", True, False),
        ("RequestClientCert", True, True),
    ],
)
async def test_client_certificates(
    tmp_path: Path, pki: Pki, mode: str, without: bool, stranger: bool
) -> None:
    tls = f"client_auth_type: {mode}\nclient_ca_file: {pki.ca}"
    async with serving(write_web(tmp_path, web_yml(pki, tls, users=False))) as url:
        metrics = url + "/metrics"
        status, _, _ = await get(metrics, client_tls(pki, pki.client_cert, pki.client_key))
        assert status == 200
        for allowed, context in (
            (without, client_tls(pki)),
            (stranger, client_tls(pki, pki.stranger_cert, pki.stranger_key)),
        ):
            if allowed:
                assert (await get(metrics, context))[0] == 200
            else:
                with pytest.raises(TLS_FAILURE):
                    await get(metrics, context)


async def s_client(url: str, pki: Pki, *args: str) -> tuple[int, str]:
    """`openssl s_client` against the server: exit status and its brief report."""
    openssl = require_program("openssl")
    port = url.rsplit(":", 1)[1]
    proc = await asyncio.create_subprocess_exec(
        openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", str(pki.ca),
        "-verify_return_error", "-brief", *args,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode or 0, out.decode(errors="replace")


async def test_tls_versions_and_suites_as_openssl_sees_them(tmp_path: Path, pki: Pki) -> None:
    async with serving(write_web(tmp_path / "a", web_yml(pki, "min_version: TLS13"))) as url:
        code, out = await s_client(url, pki, "-tls1_2")
        assert code != 0, out
        code, out = await s_client(url, pki, "-tls1_3")
        assert code == 0, out
        assert "Protocol version: TLSv1.3" in out
        assert "Verification: OK" in out
    suite = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    tls = f"max_version: TLS12\ncipher_suites: [{suite}]"
    async with serving(write_web(tmp_path / "b", web_yml(pki, tls))) as url:
        code, out = await s_client(url, pki, "-tls1_3")
        assert code != 0, out
        code, out = await s_client(url, pki, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256")
        assert code != 0, out
        code, out = await s_client(url, pki, "-tls1_2")
        assert code == 0, out
        assert "Protocol version: TLSv1.2" in out
        assert "Ciphersuite: ECDHE-RSA-AES256-GCM-SHA384" in out


async def served_certificate(url: str, pki: Pki) -> bytes:
    host, port = url.removeprefix("https://").rsplit(":", 1)
    _, writer = await asyncio.open_connection(host, int(port), ssl=client_tls(pki))
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
        await writer.wait_closed()
    assert isinstance(der, bytes)
    return der


def der_of(path: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(path.read_text())


async def test_a_renewed_certificate_is_served_without_a_restart(
    tmp_path: Path, pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    live = tmp_path / "live"
    live.mkdir()
    cert, key = live / "cert.pem", live / "key.pem"
    cert.write_bytes(pki.server_cert.read_bytes())
    key.write_bytes(pki.server_key.read_bytes())
    text = f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"
    async with serving(write_web(tmp_path / "app", text)) as url:
        assert await served_certificate(url, pki) == der_of(pki.server_cert)
        ca = (pki.ca, pki.ca_key)
        renewed = issue(tmp_path, "renewed", ca, "serverAuth", "IP:127.0.0.1")
        for src, dst in zip(renewed, (cert, key), strict=True):
            staged = dst.with_suffix(".new")
            staged.write_bytes(src.read_bytes())
            os.replace(staged, dst)
        assert await served_certificate(url, pki) == der_of(renewed[0])
        with caplog.at_level(logging.WARNING, "solar2prom.outputs.web_security"):
            key.write_text("half a renewal")
            assert await served_certificate(url, pki) == der_of(renewed[0])
        assert "TLS files changed but cannot be used" in caplog.text
        assert "half a renewal" not in caplog.text


SCRAPE = """\
  - job_name: {job}
    scheme: https
    tls_config: {{ca_file: {ca}}}
    basic_auth: {{username: prom, password: {password}}}
    static_configs: [{{targets: ['127.0.0.1:{port}']}}]
"""


async def test_prometheus_scrapes_run_over_https_with_basic_auth(
    tmp_path: Path, pki: Pki, sim_url: str
) -> None:
    prometheus = require_program("prometheus")
    exporter_port, prom_port = free_port(), free_port()
    (tmp_path / "web.yml").write_text(web_yml(pki))
    config = write_config(tmp_path, sim_url, exporter_port)
    config.write_text(config.read_text() + "web: {config_file: web.yml}\n")
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s}\nscrape_configs:\n"
        + SCRAPE.format(job="good", ca=pki.ca, password=PASSWORD, port=exporter_port)
        + SCRAPE.format(job="wrong", ca=pki.ca, password="guess", port=exporter_port)
    )
    prometheus_command = [
        prometheus,
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{prom_port}",
    ]
    query = f"http://127.0.0.1:{prom_port}/api/v1/query"
    run_log = tmp_path / "run.log"
    with (
        process(solar2prom("--log-level", "DEBUG", "run", "-c", str(config)), run_log),
        process(prometheus_command, tmp_path / "prometheus.log"),
    ):
        wait_for_line(run_log, rf"serving https://127\.0\.0\.1:{exporter_port}/metrics")
        deadline = time.monotonic() + 60
        found: dict[str, float] = {}
        async with aiohttp.ClientSession() as http:
            while len(found) < 3:
                assert time.monotonic() < deadline, (tmp_path / "prometheus.log").read_text()
                await asyncio.sleep(0.5)
                for name, promql in (
                    ("good", 'up{job="good"}'),
                    ("wrong", 'up{job="wrong"}'),
                    ("source_up", 'solar_source_up{job="good",source="roof"}'),
                ):
                    try:
                        async with http.get(query, params={"query": promql}) as response:
                            result = (await response.json())["data"]["result"]
                    except aiohttp.ClientError:
                        break  # Prometheus is still starting
                    if result and (name != "source_up" or result[0]["value"][1] == "1"):
                        found[name] = float(result[0]["value"][1])
    assert found == {"good": 1.0, "wrong": 0.0, "source_up": 1.0}
    log = run_log.read_text()
    assert PASSWORD not in log
    assert "guess" not in log


@pytest.mark.parametrize(
    ("web_text", "accepted"),
    [
        ("{tls}", True),
        ("{tls}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {ca}\n", True),
        ("{tls}  cipher_suites: [TLS_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_128_CBC_SHA]\n", True),
        ("{tls}  curve_preferences: [X25519]\n  min_version: TLS13\n", True),
        ("http_server_config: {{headers: {{X-Content-Type-Options: nosniff}}}}\n", True),
        ("basic_auth_users: {{prom: '{hash}'}}\n", True),
        ("basic_auth_users: {{prom: {password}}}\n", False),
        ("basic_auth_users: {{prom: '$2y$03{rest}'}}\n", False),
        ("{tls}  client_ca_file: {ca}\n", False),
        ("{tls}  client_auth_type: Sometimes\n", False),
        ("{tls}  cipher_suites: [TLS_RSA_WITH_3DES_EDE_CBC_SHA]\n", False),
        ("{tls}  min_version: TLS14\n", False),
        ("{tls}  client_allowed_sans: [a]\n", False),
        ("tls_server_config: {{cert_file: {ca}}}\n", False),
        ("tls_server_config: {{cert_file: absent.pem, key_file: absent.key}}\n", False),
        ("http_server_config: {{headers: {{X-Frame-Options: allow}}}}\n", False),
        ("http_server_config: {{headers: {{Server: x}}}}\n", False),
        ("rate_limit: {{burst: 1}}\n", False),
    ],
)
def test_promtool_and_our_loader_agree_on_web_config_files(
    tmp_path: Path, pki: Pki, web_text: str, accepted: bool
) -> None:
    promtool = require_program("promtool")
    tls = f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n"
    text = web_text.format(tls=tls, ca=pki.ca, hash=HASH, password=PASSWORD, rest=HASH[6:])
    web = write_web(tmp_path, text)
    theirs = subprocess.run(
        [promtool, "check", "web-config", str(web)], capture_output=True, text=True, timeout=60
    )
    assert (theirs.returncode == 0) is accepted, theirs.stdout + theirs.stderr
    if accepted:
        load_web_settings(web)
    else:
        with pytest.raises(ConfigError, match=f"^{re.escape(str(web))}:"):
            load_web_settings(web)


def test_check_config_reads_the_web_config_file_and_never_shows_a_password(
    tmp_path: Path, pki: Pki
) -> None:
    promtool = require_program("promtool")
    config = tmp_path / "solar2prom.yml"
    config.write_text(
        "web: {config_file: web.yml}\nsources:\n"
        "  - {name: ez1, type: apsystems_ez1, url: 'http://127.0.0.1:8050'}\n"
    )
    web = write_web(tmp_path, web_yml(pki))
    for text, accepted in (
        (web_yml(pki), True),
        (f"basic_auth_users: {{prom: {PASSWORD}}}\n", False),
    ):
        web.write_text(text)
        theirs = subprocess.run(
            [promtool, "check", "web-config", str(web)], capture_output=True, text=True, timeout=60
        )
        ours = subprocess.run(
            solar2prom("check-config", "-c", str(config)),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (theirs.returncode == 0) is accepted, theirs.stdout + theirs.stderr
        assert ours.returncode == (0 if accepted else 2), ours.stderr
    assert "hashedSecret too short" in theirs.stdout + theirs.stderr
    assert f"{web}:1: basic_auth_users.prom: hashedSecret too short" in ours.stderr
    assert PASSWORD not in ours.stderr + ours.stdout


def listening(pid: int) -> set[str]:
    """The addresses a process listens on (TCP, IPv4 and IPv6), read from /proc."""
    sockets = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            sockets.add(target[8:-1])
    found = set()
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in sockets:  # 0A: LISTEN
                raw = bytes.fromhex(fields[1].split(":")[0])
                # The kernel writes each 32-bit word of the address in host (little-endian) order.
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                found.add(socket.inet_ntop(family, words))
    return found


@pytest.mark.parametrize(
    ("vendor", "listen", "expected"),
    [(vendor, ":0", {"127.0.0.1"}) for vendor in SIMULATORS]
    + [("apsystems_ez1", "0.0.0.0:0", {"0.0.0.0"})],
)
def test_simulators_listen_on_loopback_unless_told_otherwise(
    tmp_path: Path, vendor: str, listen: str, expected: set[str]
) -> None:
    log = tmp_path / "sim.log"
    with process(solar2prom("sim", vendor, "--listen", listen), log) as proc:
        wait_for_line(log, "Ctrl-C stops")
        assert listening(proc.pid) == expected
