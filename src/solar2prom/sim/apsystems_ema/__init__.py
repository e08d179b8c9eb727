"""A simulated APsystems EMA website, the visitor pages apsystems2prom reads, on local HTTP.

Written from the project's APsystems reference (there is no public capture of these pages).
All time comes from the `Clock` passed in, so a `ScaledClock` runs simulated days in seconds.

- `GET /ema/intoDemoUser.action?id=<authorized id>`: a 302 to the visitor home page, with a
  `JSESSIONID` cookie when the ID is right; a wrong ID gets the same redirect and page but no
  session (EMA does not tell).
- `POST /ema/ajax/getReportApiAjax/getPowerOnCurrentDayAjax` (`queryDate=YYYYMMDD`,
  `systemId`, `selectedValue` = ECU id; query string or form body): the day's 5-minute slots
  as parallel lists `time` (epoch ms of local wall-clock time read as UTC+8), `power` (W),
  `energy` (kWh), plus `total` (kWh) and `max` (W), numbers as strings. A day without slots
  yet, a future date, or another system: HTTP 204 (or empty lists, `no_data_answer`).
- `POST /ema/ajax/getDashboardApiAjax/getDashboardProductionInfoAjax`: `lifetime`, `today`
  (kWh), `lastPower` (W), `co2`.
- `POST /ema/ajax/getViewAjax/getViewPowerByViewAjax` (`sid`, `vid`, `iid`, `date`): `time`,
  `power` and `detail` = `<panel id>/<w1>,<w2>,…&…`; another view: empty strings.
- Pages without a live session (none, wrong ID, idle longer than `session_ttl`) answer the
  login page as HTML with HTTP 200; clients without a browser User-Agent get HTTP 403.

Data: `plant` (panels under the sun of the configured place, one slot per 5 minutes from
sunrise to sunset, shown `upload_delay` after the slot ends). `frozen_at` stops the uploads
at an instant; `no_data_next` makes the next day requests answer "no data".
Faults: the transport switches of `Faults` (drop, HTTP errors, HTML page, 403, cut JSON,
latency) on every page. Admin: `GET /_sim/stats`, `GET|POST /_sim/faults`.
"""

from solar2prom.sim.apsystems_ema.config import EmaSimConfig
from solar2prom.sim.apsystems_ema.server import EmaSimulator

__all__ = ["EmaSimConfig", "EmaSimulator"]
