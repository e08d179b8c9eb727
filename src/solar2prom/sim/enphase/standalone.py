"""A gateway simulator with its Enlighten service, as `solar2prom sim enphase` and the demo run it.

`DemoInstallation` starts both on loopback: the gateway (a capture folder, or the built-in
installation) and a fake Enlighten account that owns it, so a client can either paste
`token` or fetch tokens with `username` / `password` from `enlighten_url`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from solar2prom.core.clock import Clock
from solar2prom.sim.enlighten import Account, EnlightenSimulator
from solar2prom.sim.enphase.server import EnphaseSimulator

USERNAME = "demo@example.com"
PASSWORD = "demo-password"


@dataclass
class DemoInstallation:
    clock: Clock
    fixture_dir: Path | None = None
    gateway: EnphaseSimulator = field(init=False)
    enlighten: EnlightenSimulator = field(init=False)
    enlighten_url: str = ""

    def __post_init__(self) -> None:
        self.gateway = EnphaseSimulator(self.fixture_dir, self.clock)
        self.enlighten = EnlightenSimulator(
            self.gateway.signer,
            (Account(USERNAME, PASSWORD, (self.gateway.serial,)),),
            self.clock,
        )

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start both; return the gateway's URL."""
        self.enlighten_url = await self.enlighten.start(host)
        try:
            return await self.gateway.start(host, port)
        except BaseException:
            await self.enlighten.stop()
            raise

    async def stop(self) -> None:
        await self.gateway.stop()
        await self.enlighten.stop()

    def describe(self) -> str:
        """How to point an `enphase` source at it, for the console."""
        gateway = self.gateway
        lines = [
            f"Enphase gateway simulator at {gateway.url} (serial {gateway.serial}, "
            f"firmware {gateway.gateway.firmware}; other scheme at "
            f"{gateway.http_url if gateway.tokens else gateway.https_url})",
        ]
        if gateway.tokens:
            lines += [
                f"  Enlighten and entrez at {self.enlighten_url}: username {USERNAME!r}, "
                f"password {PASSWORD!r}",
                f"  or paste this token: {gateway.issue_token()}",
            ]
        else:
            lines.append(
                f"  local user 'envoy', password {gateway.serial[-6:]!r} (last 6 of the serial)"
            )
        return "\n".join(lines)
