"""The three services' OpenAPI documents as `make run` serves them, built without starting anything.

The front end's typed clients are generated from the copies saved under `frontend/openapi/`
(`make openapi` writes them and regenerates the clients); a test fails when a copy is stale.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from daye_dev.processes import SERVICES


def current_specs() -> dict[str, dict[str, Any]]:
    """Each service's document with its default settings, keyed as the front end names them
    (`indicator`, …), exactly as /openapi.json sends it."""
    specs = {}
    for name, module, *_ in SERVICES:
        settings = importlib.import_module(f"{module}.config").Settings()
        app = importlib.import_module(f"{module}.main").create_app(settings)
        specs[name.removesuffix("-api")] = json.loads(json.dumps(app.openapi()))
    return specs


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "frontend/openapi")
    folder.mkdir(parents=True, exist_ok=True)
    for name, spec in current_specs().items():
        (folder / f"{name}.json").write_text(render(spec), encoding="utf-8")
        print(f"{folder / name}.json")


if __name__ == "__main__":
    main()
