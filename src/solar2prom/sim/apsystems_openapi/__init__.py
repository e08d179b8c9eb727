"""A simulated APsystems OpenAPI account (end-user API, signature V1.2+) on local HTTP.

Written from the project's APsystems reference and the real anonymised captures; it does not
import solar2prom's client. All time comes from the `Clock` passed in.

- Every call is a `GET /user/api/v2/systems/...` with the `X-CA-AppId`, `X-CA-Timestamp` (ms),
  `X-CA-Nonce` (32 hex), `X-CA-Signature-Method` (`HmacSHA256`/`HmacSHA1`) and
  `X-CA-Signature` headers. An unknown App Id answers 2001; a bad signature, a timestamp more
  than `timestamp_tolerance` away, a malformed or replayed nonce 4000.
- Signed calls count against `monthly_quota` per calendar month in `quota_timezone`: beyond
  it 2005 (counted as a violation in `stats`); more than `max_per_minute` in a minute 7002.
- Answers are `{"data": …, "code": n}` with HTTP 200 (`octet_stream` labels them
  application/octet-stream, as the service sometimes does); another system 2004; unknown
  paths or parameters 4001, a missing `energy_level` 4000; a day without data yet 1001.
- `force_codes` makes the next calls answer given codes (after signing and counting).

Data: `system` (each ECU's panels under the sun of the configured place; a household on the
meter ECUs). Faults: the transport switches of `Faults`. Admin: `GET /_sim/stats` (with
`calls_this_month`), `GET|POST /_sim/faults`.
"""

from solar2prom.sim.apsystems_openapi.config import EcuSpec, OpenApiSimConfig
from solar2prom.sim.apsystems_openapi.server import OpenApiSimulator

__all__ = ["EcuSpec", "OpenApiSimConfig", "OpenApiSimulator"]
