"""The demo world `make run` loads: the report's figures, Daye's enterprises, demands, supplies and
awards. Development and tests only: production images do not install this package, so demo mode
cannot start there. Each service's part is an entry point in the `daye.demo` group, named after the
service, which the kit's app factory calls on an empty database when the DEMO switch is on."""

from datetime import date

# The day the bureau's report speaks of (Q1–Q3 2025): the demo's screens open at it.
REPORT_DAY = date(2025, 9, 30)
