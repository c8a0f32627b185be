"""The demo data set `make run` loads on an empty database (demo mode only)."""
