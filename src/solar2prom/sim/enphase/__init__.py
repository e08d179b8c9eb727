"""A simulated Enphase Envoy / IQ Gateway on the local network, in every firmware family.

Written from the project's Enphase reference and the real captures, never from the client.
All time (token expiry, the built-in installation's sun and household, the nightly outage)
comes from the `Clock` passed in; network latency faults are real time.

Two kinds of gateway:

- `EnphaseSimulator(fixture_dir)` answers from a folder of real captures in the layout of
  tests/data/enphase/ (see `fixture`): one installation at one moment, every firmware family.
- `EnphaseSimulator(None)` is a built-in installation (see `system` and `dynamic`): a firmware
  8.2 gateway with production and net-consumption CTs, 16 micro-inverters and one IQ Battery,
  whose values follow the sun and a household through the day — the demo's gateway.

Transport and authentication follow the firmware family (see `auth`): below 7, plain HTTP
with Digest; from 7, HTTPS with a self-signed certificate, JWT checked at `/auth/check_jwt`,
then a session cookie or the Bearer header, and 401 once the token has expired. Both
listeners always run; on token firmware the plain-HTTP one redirects to HTTPS, as real
gateways do. Tokens come from `issue_token()` (the vendor's "Create access token" page) or
from the fake Enlighten service in `solar2prom.sim.enlighten`, sharing the `signer`.

Faults: see `faults`; set them on `EnphaseSimulator.faults` or with `POST /_sim/faults`.
Admin: `GET /_sim/stats` (requests, statuses, auth refusals, the most requests in flight at
once), `GET|POST /_sim/faults`, `POST /_sim/reset`.
"""

from solar2prom.sim.enphase.faults import Faults
from solar2prom.sim.enphase.server import EnphaseSimulator
from solar2prom.sim.enphase.stats import SimStats
from solar2prom.sim.enphase.system import SystemConfig

__all__ = ["EnphaseSimulator", "Faults", "SimStats", "SystemConfig"]
