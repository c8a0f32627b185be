"""Where to fill what `tests/test_api_contract.py` finds missing: for each schema property without a
description, the file, line and class that declare the field (inherited fields point at the class
that declares them, so one description serves every schema built from it).

    uv run --frozen python -m daye_dev.openapi_gaps
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator

from pydantic import BaseModel

from daye_dev.openapi_specs import current_specs
from daye_dev.processes import SERVICES


def _models() -> Iterator[type[BaseModel]]:
    stack: list[type[BaseModel]] = [BaseModel]
    seen: set[type[BaseModel]] = set()
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                yield sub


def _declaring(model: type[BaseModel], field: str) -> str:
    for klass in model.__mro__:
        if field in inspect.get_annotations(klass):
            source = inspect.getsourcefile(klass) or "?"
            lines, start = inspect.getsourcelines(klass)
            offset = next((i for i, line in enumerate(lines) if re.match(rf"\s+{field}\s*:", line)), 0)
            return f"{source}:{start + offset} {klass.__name__}.{field}"
    return f"? {model.__name__}.{field}"


def gaps() -> list[str]:
    packages = {name.removesuffix("-api"): module for name, module, *_ in SERVICES}
    specs = current_specs()  # imports the services, whose models are then known
    models = list(_models())
    found: set[str] = set()
    for service, spec in specs.items():
        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            for prop, definition in schema.get("properties", {}).items():
                if definition.get("description"):
                    continue
                base = str(schema.get("title", name)).split("[")[0]
                named = [m for m in models if m.__name__ == base]
                ours = [m for m in named if m.__module__.startswith(packages[service])] or [
                    m for m in named if m.__module__.startswith("daye_kit")
                ]
                found.add(_declaring(ours[0], prop) if ours else f"? {service} {name}.{prop}")
    return sorted(found)


def main() -> None:
    for gap in gaps():
        print(gap)


if __name__ == "__main__":
    main()
