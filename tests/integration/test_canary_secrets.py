"""No credential or token ever shows: every vendor runs with canary secrets, then all output is
searched for them.

Every simulator is configured with credentials that are unique random strings (canaries);
`solar2prom run` polls them all as a process, logging at DEBUG, with MQTT to a real
mosquitto, remote write to two receivers and the history store. Failures are injected: a
second source of each vendor with wrong credentials,
Enphase tokens that expire within seconds and gateway 401s, a remote write receiver that
refuses the credentials and quotes them back. The tokens the simulators hand out become
canaries as they are issued. Then every output is searched: the process's output, /metrics,
/healthz, the status page, the MQTT messages, the series sent by remote write, the history
database, CSV and OpenMetrics exports, `collect` and `discover`, and `check-config`'s errors
for a config with bad keys next to secrets. The state folder may hold tokens (the Enphase
token cache) and user names (whose inventory a cache is) but no password.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import subprocess
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import aiohttp

from solar2prom.core.clock import SystemClock
from solar2prom.sim.apsystems_ecu import EcuSimulator
from solar2prom.sim.apsystems_ema import EmaSimConfig, EmaSimulator
from solar2prom.sim.apsystems_ez1 import Ez1Simulator
from solar2prom.sim.apsystems_openapi import OpenApiSimConfig, OpenApiSimulator
from solar2prom.sim.enlighten import Account, EnlightenSimulator, TokenSigner
from solar2prom.sim.enphase import EnphaseSimulator, SystemConfig
from solar2prom.sim.fusionsolar import FusionSolarSimConfig, FusionSolarSimulator
from tests.integration.helpers import free_port, solar2prom
from tests.integration.test_mqtt import listening, text
from tests.outputs.mosquitto import mosquitto
from tests.outputs.receiver import Receiver

GOOD = ("fs", "enphase", "ema", "openapi", "ecu")
BAD = ("fs-bad", "enphase-bad", "ema-bad", "openapi-bad")
WITHIN = 90.0  # s for every source to reach its state


def canary(tag: str) -> str:
    return f"cnry{tag}{secrets.token_hex(6)}"


class RecordingSigner(TokenSigner):
    """The simulated Enphase token service's signer, keeping every token it issues."""

    def __init__(self) -> None:
        super().__init__()
        self.issued: list[str] = []

    def issue(self, *args: Any, **kwargs: Any) -> str:
        token = super().issue(*args, **kwargs)
        self.issued.append(token)
        return token


class Canaries:
    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}  # what: value; never anywhere, not even in state
        # May sit in the state folder (token cache; the account an inventory belongs to).
        self.tokens: dict[str, str] = {}
        self.names: dict[str, str] = {}

    def secret(self, what: str) -> str:
        if what not in self.secrets:
            self.secrets[what] = canary(what.replace(" ", ""))
        return self.secrets[what]

    def name(self, what: str) -> str:
        self.names.setdefault(what, canary(what.replace(" ", "")))
        return self.names[what]

    def token(self, what: str, value: str | None) -> None:
        if value:
            self.tokens.setdefault(f"{what} {value[-8:]}", value)


def forms(value: str) -> set[str]:
    """The ways a value could be written out: as is, URL- or JSON-encoded, in Basic auth."""
    return {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}


def hits(places: dict[str, bytes], canaries: dict[str, str]) -> list[str]:
    found = []
    for place, data in places.items():
        for what, value in canaries.items():
            if any(form.encode() in data for form in forms(value)):
                found.append(f"{what} in {place}")
    return found


@asynccontextmanager
async def background(command: list[str], log: Path) -> AsyncIterator[None]:
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(*command, stdout=out, stderr=out)
        try:
            yield
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 20)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def finished(*args: str) -> tuple[int, bytes]:
    proc = await asyncio.create_subprocess_exec(
        *solar2prom(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    return proc.returncode or 0, out + err


class Simulators:
    """Every vendor's simulator on loopback, with canary credentials; real time."""

    def __init__(self, canaries: Canaries) -> None:
        clock = SystemClock()
        self.canaries = canaries
        self.fs = FusionSolarSimulator(
            FusionSolarSimConfig(
                username=canaries.name("fs user"),
                system_code=canaries.secret("fs code"),
            ),
            clock,
        )
        self.fs_bad = FusionSolarSimulator(
            FusionSolarSimConfig(username=canaries.name("fs-bad user"), system_code="right"),
            clock,
        )
        self.signer = RecordingSigner()
        self.gateway = EnphaseSimulator(None, clock, signer=self.signer)
        self.enlighten = EnlightenSimulator(
            self.signer,
            (
                Account(
                    canaries.name("enphase user") + "@example.com",
                    canaries.secret("enphase password"),
                    (self.gateway.serial,),
                ),
            ),
            clock,
            token_lifetime=20.0,
        )
        self.ema = EmaSimulator(EmaSimConfig(authorized_id=canaries.secret("ema id")), clock)
        self.openapi = OpenApiSimulator(
            OpenApiSimConfig(
                app_id=canaries.name("openapi app id"),
                app_secret=canaries.secret("openapi secret"),
            ),
            clock,
        )
        self.ecu = EcuSimulator(clock=clock)
        self.ez1 = Ez1Simulator(clock=clock)
        self.urls: dict[str, str] = {}

    async def start(self) -> None:
        self.urls = {
            "fs": await self.fs.start("127.0.0.1", 0),
            "fs-bad": await self.fs_bad.start("127.0.0.1", 0),
            "enlighten": await self.enlighten.start(),
            "enphase": await self.gateway.start(),
            "ema": await self.ema.start("127.0.0.1", 0),
            "openapi": await self.openapi.start("127.0.0.1", 0),
            "ecu": await self.ecu.start(),
            "ez1": await self.ez1.start(),
        }

    async def stop(self) -> None:
        for sim in (self.fs, self.fs_bad, self.gateway, self.enlighten, self.ema, self.openapi):
            await sim.stop()
        await self.ecu.stop()
        await self.ez1.stop()

    async def collect_tokens(self) -> None:
        """Note every session token the simulators hand out, as it is issued."""
        while True:
            self.canaries.token("fs token", self.fs.api.account.token)
            for session in list(self.ema._sessions):
                self.canaries.token("ema session", session)
            for session in list(self.enlighten._sessions):
                self.canaries.token("enlighten session", session)
            for token in self.signer.issued:
                self.canaries.token("enphase token", token)
            await asyncio.sleep(0.02)


def config_text(sims: Simulators, canaries: Canaries, folder: Path, ports: dict[str, int]) -> str:
    (folder / "fs_code").write_text(canaries.secrets["fs code"] + "\n")
    (folder / "mqtt_password").write_text(canaries.secret("mqtt password"))
    (folder / "rw_password").write_text(canaries.secret("remote write password"))
    urls, system = sims.urls, SystemConfig()
    ema, openapi = sims.ema.config, sims.openapi.config
    enphase_user = canaries.names["enphase user"] + "@example.com"
    off = "night: {mode: 'off'}"
    url_password = canaries.secret("remote write url password")
    return f"""\
listen: "127.0.0.1:{ports["http"]}"
state_dir: state
history: {{path: data/history.db}}
mqtt:
  url: mqtt://127.0.0.1:{ports["mqtt"]}
  username: solar
  password_file: mqtt_password
remote_write:
  - url: http://127.0.0.1:{ports["rw"]}/api/v1/write
    bearer_token: {canaries.secret("remote write token")}
  - url: http://rw:{url_password}@127.0.0.1:{ports["rw_url"]}/api/v1/write
  - url: http://127.0.0.1:{ports["rw_basic"]}/api/v1/write
    basic_auth: {{username: rw, password_file: rw_password}}
sources:
  - {{name: fs, type: fusionsolar, url: "{urls["fs"]}", username: "{canaries.names["fs user"]}",
     system_code_file: fs_code, {off}}}
  - {{name: fs-bad, type: fusionsolar, url: "{urls["fs-bad"]}",
     username: "{canaries.names["fs-bad user"]}", system_code: "{canaries.secret("fs-bad code")}",
     {off}}}
  - {{name: enphase, type: enphase, url: "{urls["enphase"]}", username: "{enphase_user}",
     password: "{canaries.secrets["enphase password"]}", enlighten_url: "{urls["enlighten"]}",
     entrez_url: "{urls["enlighten"]}", meters_interval: 5s,
     latitude: {system.latitude}, longitude: {system.longitude}, {off}}}
  - {{name: enphase-bad, type: enphase, url: "{urls["enphase"]}", username: "{enphase_user}",
     password: "{canaries.secret("enphase wrong password")}", enlighten_url: "{urls["enlighten"]}",
     entrez_url: "{urls["enlighten"]}", {off}}}
  - {{name: ema, type: apsystems_ema, url: "{urls["ema"]}",
     authorized_id: "{canaries.secrets["ema id"]}", system_id: "{ema.system_id}",
     ecu_id: "{ema.ecu_id}", vid: "{ema.vid}", {off}}}
  - {{name: ema-bad, type: apsystems_ema, url: "{urls["ema"]}", compat_metrics: false,
     authorized_id: "{canaries.secret("ema wrong id")}", system_id: "{ema.system_id}",
     ecu_id: "{ema.ecu_id}", {off}}}
  - {{name: openapi, type: apsystems_openapi, url: "{urls["openapi"]}",
     app_id: "{openapi.app_id}", app_secret: "{openapi.app_secret}",
     system_id: "{openapi.system_id}", {off}}}
  - {{name: openapi-bad, type: apsystems_openapi, url: "{urls["openapi"]}",
     app_id: "{openapi.app_id}", app_secret: "{canaries.secret("openapi wrong secret")}",
     system_id: "{openapi.system_id}", {off}}}
  - {{name: ecu, type: apsystems_ecu, host: 127.0.0.1, port: {sims.ecu.port}, {off}}}
  - {{name: ez1, type: apsystems_ez1, url: "{urls["ez1"]}", {off}}}
"""


def bad_config_text(canaries: Canaries) -> str:
    """Bad keys next to secrets, and secrets in bad values."""
    return f"""\
mqtt: {{url: "mqtt://127.0.0.1:1883", password: "{canaries.secret("bad mqtt password")}"}}
remote_write:
  - url: "ftp://u:{canaries.secret("bad url password")}@example.com/"
    bearer_token: "{canaries.secret("bad bearer")}"
    basic_auth: {{username: u, password: "{canaries.secret("bad basic password")}"}}
sources:
  - name: fs
    type: fusionsolar
    url: http://127.0.0.1:1
    username: someone
    system_code: "{canaries.secret("bad code")}"
    system_codee: "{canaries.secret("misspelt key")}"
    timeout: "{canaries.secret("bad timeout")}"
  - name: enphase
    type: enphase
    url: "https://user:{canaries.secret("bad enphase url")}@gateway/x"
    password: "{canaries.secret("bad enphase password")}"
    token: ["{canaries.secret("bad token in a list")}"]
  - name: openapi
    type: apsystems_openapi
    app_id: x
    app_secret: {{nested: "{canaries.secret("bad secret mapping")}"}}
    system_id: y
    monthly_quota: "{canaries.secret("bad quota")}"
"""


def contents(log: Path) -> str:
    return log.read_text(errors="replace")


async def wait_states(url: str, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + WITHIN
    health: dict[str, Any] = {}
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url) as response:
                    health = await response.json()
            except aiohttp.ClientError:
                pass
            states = {n: s.get("state") for n, s in health.get("sources", {}).items()}
            if all(states.get(n) == "up" for n in GOOD) and all(
                states.get(n) == "down" for n in BAD
            ):
                return health
            assert time.monotonic() < deadline, f"{states}\n{contents(log)}"
            await asyncio.sleep(0.3)


async def fetch(url: str, headers: dict[str, str] | None = None) -> bytes:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return await response.read()


def files_under(folder: Path) -> Iterable[Path]:
    return (p for p in sorted(folder.rglob("*")) if p.is_file())


async def test_no_secret_or_token_shows_anywhere(tmp_path: Path) -> None:
    canaries = Canaries()
    sims = Simulators(canaries)
    receivers = {"rw": Receiver(), "rw_url": Receiver(), "rw_basic": Receiver()}
    ports = {"http": free_port()}
    for name, receiver in receivers.items():
        ports[name] = int((await receiver.start()).split(":")[2].split("/")[0])
    await sims.start()
    collector = asyncio.create_task(sims.collect_tokens())
    places: dict[str, bytes] = {}
    try:
        mqtt_password = canaries.secret("mqtt password")
        with mosquitto(tmp_path / "broker", users={"solar": mqtt_password}) as mqtt_port:
            ports["mqtt"] = mqtt_port
            config = tmp_path / "solar2prom.yml"
            config.write_text(config_text(sims, canaries, tmp_path, ports))
            # Two receivers refuse whatever they are sent, quoting the credentials back.
            for name, what in (("rw_url", "url password"), ("rw_basic", "password")):
                quoted = canaries.secrets[f"remote write {what}"]
                receivers[name].judge = lambda _, q=quoted: (401, f"bad credentials {q}")
            base = f"http://127.0.0.1:{ports['http']}"
            log = tmp_path / "run.log"
            command = solar2prom("--log-level", "DEBUG", "run", "-c", str(config))
            async with (
                listening(mqtt_port, username="solar", password=mqtt_password) as listener,
                background(command, log),
            ):
                await wait_states(f"{base}/healthz", log)
                # The gateway answers 401 to the token in use: one is fetched again at once.
                issued = len(sims.signer.issued)
                sims.gateway.revoke_tokens()
                deadline = time.monotonic() + WITHIN
                while len(sims.signer.issued) <= issued:
                    assert time.monotonic() < deadline, contents(log)
                    await asyncio.sleep(0.3)
                health = await wait_states(f"{base}/healthz", log)
                assert receivers["rw"].sample_count > 0
                assert receivers["rw_url"].requests
                assert receivers["rw_basic"].requests
                assert listener.messages
                places["/healthz"] = json.dumps(health).encode()
                places["/metrics"] = await fetch(f"{base}/metrics")
                places["/metrics (OpenMetrics)"] = await fetch(
                    f"{base}/metrics", {"Accept": "application/openmetrics-text"}
                )
                places["status page"] = await fetch(f"{base}/")
                places["MQTT messages"] = "\n".join(
                    f"{m.topic} {text(m)}" for m in listener.messages
                ).encode()
            places["run output"] = log.read_bytes()
            places["remote write series"] = repr(
                [r.series for receiver in receivers.values() for r in receiver.requests]
            ).encode()
            since = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
            for fmt in ("csv", "openmetrics"):
                out = tmp_path / f"export.{fmt}"
                code, output = await finished(
                    "export", "-c", str(config), "--since", since, "--format", fmt, "-o", str(out)
                )
                assert code == 0, output
                places[f"export {fmt}"] = out.read_bytes() + output
            for args in (["collect"], ["discover"], ["discover", "--json"]):
                places[" ".join(args)] = (await finished(*args, "-c", str(config)))[1]
        history = b"".join(p.read_bytes() for p in files_under(tmp_path / "data"))
        assert b"SQLite format 3" in history
        places["history database"] = history
        bad = tmp_path / "bad.yml"
        bad.write_text(bad_config_text(canaries))
        code, errors = await finished("check-config", "-c", str(bad))
        assert code == 2
        assert b"system_codee: unknown key" in errors
        places["check-config errors"] = errors
    finally:
        collector.cancel()
        await asyncio.gather(collector, return_exceptions=True)
        await sims.stop()
        for receiver in receivers.values():
            await receiver.stop()
    assert any(w.startswith("enphase token") for w in canaries.tokens)
    assert any(w.startswith("fs token") for w in canaries.tokens)
    assert any(w.startswith("ema session") for w in canaries.tokens)
    # What was searched holds what it should: the failures too, in plain words.
    assert b'solar_site_info{source="fs"' in places["/metrics"]
    assert b"wrong user name or system code" in places["status page"]
    assert b"Enlighten refused the user name or password" in places["run output"]
    assert b"DEBUG pyenphase" in places["run output"]
    assert b"<credentials>" in places["/healthz"]
    assert b"solar_source_up" in places["collect"]
    assert b",fs," in places["export csv"]
    basic = base64.b64encode(f"rw:{canaries.secrets['remote write password']}".encode())
    everything = {**canaries.secrets, **canaries.names, **canaries.tokens}
    everything["basic auth header"] = basic.decode()
    leaks = hits(places, everything)
    assert not leaks, "\n".join(leaks)
    state = {str(p.relative_to(tmp_path)): p.read_bytes() for p in files_under(tmp_path / "state")}
    assert state
    leaks = hits(state, canaries.secrets)
    assert not leaks, "\n".join(leaks)
