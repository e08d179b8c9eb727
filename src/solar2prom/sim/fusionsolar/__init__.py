"""A simulated Huawei FusionSolar Northbound ("thirdData") API account on a local HTTP server.

Written from the project's FusionSolar reference and real captured responses only. All time
(data, token expiry, rate windows, lock-outs) comes from the `Clock` passed in, so a
`ScaledClock` runs simulated days in seconds.

Interfaces (POST JSON at `/thirdData/<name>`; errors inside HTTP 200 via `failCode`):

- `login` `{"userName","systemCode"}`: token `x-<96 lowercase alnum>` in the `xsrf-token`
  header and the `XSRF-TOKEN` cookie; body `{"success":true,...,"params":{}}`. Wrong user or
  password: HTTP 200 with an empty body. 5 wrong passwords within 10 minutes lock the user for
  30 minutes (20400 meanwhile, even with the right password). A new login ends the previous
  session. `account_state` "forbidden" / "expired" / "restricted" refuse logins with
  20002 / 20003 / 20403; "not_authorized" lets logins through and answers data calls 20056.
- `logout` `{"xsrfToken"}`: ends the session.
- Data calls need the `XSRF-TOKEN` header; missing, replaced or expired (30 minutes after the
  last use) → the captured 305 body `{"failCode":305,"immediately":true,...}`.
- `stations` (pageNo ≥ 1: 30004/30021; pageSize in {10,20,30,50,100}: 30005/30006; optional
  gridConnectedStartTime/EndTime as a pair: 30007), `getStationList` (legacy, MW; 401 unless
  `legacy_station_list`), `getDevList` and `getStationRealKpi` (stationCodes CSV: empty 20010,
  > 100 → 20015 / 20014, none bound 20007), `getDevRealKpi` (devTypeId int or numeric string;
  devIds or sns CSV: empty 20005, > 100 → 20016 / 20017; a type without real-time data 20013,
  a type outside `granted_types` 401, devices of another type 20006, none found 20008).
- Any other interface name → 401, as for an interface the account was not granted.

Rate limits (`enforce_limits`), P plants, k = ⌈P/100⌉, n_t devices of each real-time type:
login and logout 5 per 10 min each; `stations` 10k+25 per day; `getStationList` 24 per day
and 1 per minute; `getDevList` k+24 per day and 1 per minute; `getStationRealKpi` k per
5 min and 1 per minute; `getDevRealKpi` Σ⌈n_t/100⌉ per 5 min for all types together. Windows
slide (see `limits`); refused calls do not count; a refusal answers the captured 407 body and
counts as a violation in `stats`.

Data: see `plant` (physics: sun, load, battery, grid, counters) and `render` (JSON shapes).
Faults: see `faults`; set them on `FusionSolarSimulator.faults` or with `POST /_sim/faults`.
Admin: `GET /_sim/stats` (counters and limits), `GET|POST /_sim/faults`, `POST /_sim/reset`.
"""

from solar2prom.sim.fusionsolar.config import FusionSolarSimConfig
from solar2prom.sim.fusionsolar.faults import Faults
from solar2prom.sim.fusionsolar.server import FusionSolarSimulator
from solar2prom.sim.fusionsolar.stats import ApiStats, SimStats

__all__ = ["ApiStats", "Faults", "FusionSolarSimConfig", "FusionSolarSimulator", "SimStats"]
