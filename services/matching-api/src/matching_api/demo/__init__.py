"""The demo data set `make run` loads on an empty database (demo mode only)."""

from __future__ import annotations

from matching_api.demo.seed import seed

__all__ = ["seed"]
