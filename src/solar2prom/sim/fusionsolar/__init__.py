"""A simulated Huawei FusionSolar Northbound ("thirdData") API account on a local HTTP server.

Written from the project's FusionSolar reference and real captured responses only. All time
(data, token expiry, rate windows, lock-outs, outages) comes from the `Clock` passed in, so a
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
- `getDevHistoryKpi` (see `history`): 5-minute samples of ≤ 10 devices of one type (more:
  30031 by `devIds`, 20018 by `sns`) over [startTime, endTime) of ≤ 3 days (30032; missing
  20012, start after end 20023). Each sample is the plant's state at that instant replayed from
  its timeline, so it equals what `getDevRealKpi` served then (without `run_state`, null for
  "N/A"); rows reach from the simulation start (`history_days` before the creation day) to the
  latest sample, never the future.
- `getKpiStationHour/Day/Month/Year` and `getDevKpiDay/Month/Year` (see `kpi`): `collectTime`
  (20012) selects the day / month / year in the plant's time zone; rows only for buckets with
  data, added up from the simulated steps and, before the simulation, from daily estimates
  (`prehistory`) that also gave the starting counters, so the years add up to `total_power`.
  Plant keys of §6.4, with the camelCase ones of newer accounts unless `kpi_camel_case` is
  off; null where the plant lacks the equipment (EMI, meter, battery). Device KPIs take types
  1, 38, 39, 41 by `devIds`.
- `getAlarmList` (see `alarms`): inverter alarms (`alarm_rate` a day each) drawn per device
  and day from a seeded generator, raised and cleared over time; `beginTime` / `endTime`
  (≤ 31 days apart, ≤ 365 days back) and `language` (20024 / 20025) required; optional
  filters `status`, `levels`, `devTypes`, `types`, `devName`.
- Any other interface name → 401, as for an interface the account was not granted.

Rate limits (`enforce_limits`), P plants, k = ⌈P/100⌉, n_t devices of each type t:
login and logout 5 per 10 min each; `stations` 10k+25 per day; `getStationList` 24 per day
and 1 per minute; `getDevList` k+24 per day and 1 per minute; `getStationRealKpi` k per
5 min and 1 per minute; `getDevRealKpi` Σ⌈n_t/100⌉ per 5 min for all types together;
`getKpiStation*` k+24 per day and 1 per minute, each interface on its own; `getDevHistoryKpi`
Σ⌈n_t/10⌉+24 per day (types with history) and 1 per minute; `getDevKpi*` Σ⌈n_t/100⌉+24 per
day (types 1, 38, 39, 41) and 1 per minute, each on its own; `getAlarmList` k per 30 min.
Windows slide (see `limits`): a daily budget is any 24 hours, so the call that opened a full
window is the first to leave it; refused calls do not count; a refusal answers the captured
407 body and counts as a violation in `stats`.

Data: see `timeline` (a plant over time: 5-minute steps, replay, ledger), `plant` (physics:
sun, load, battery, grid, counters), `prehistory`, `render` and `render_kpi` (JSON shapes).
Faults: see `faults` (also `down` / `down_until`: the whole API unreachable for a while, while
the plants go on); set them on `FusionSolarSimulator.faults` or with `POST /_sim/faults`.
Admin: `GET /_sim/stats` (counters and limits), `GET|POST /_sim/faults`, `POST /_sim/reset`.
"""

from solar2prom.sim.fusionsolar.config import FusionSolarSimConfig
from solar2prom.sim.fusionsolar.faults import Faults
from solar2prom.sim.fusionsolar.server import FusionSolarSimulator
from solar2prom.sim.fusionsolar.stats import ApiStats, SimStats

__all__ = ["ApiStats", "Faults", "FusionSolarSimConfig", "FusionSolarSimulator", "SimStats"]
