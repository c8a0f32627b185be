"""Benchmark: the JavaScript a browser downloads to show the dashboard after sign-in.

    uv run python bench/frontend_bundle.py [--dist DIR]

Builds the front end's production bundle (`vite build`, into var/bench/frontend-dist, leaving
frontend/dist alone), or with `--dist` reads a build already made (it must have been built with the
manifest, as vite.config.ts asks). Then it follows the build's manifest (`.vite/manifest.json`) from
the entry (`index.html`) through the static imports of the entry and of the dashboard's route
(`src/views/DashboardView.vue`, which the router loads after sign-in), gzips each JavaScript file
found (level 9, as vite's own report does) and sums them. Stylesheets are printed beside it but not
counted. Goal (issue 19): at most 300 kB gzipped (kB = 1,000 bytes, as vite reports); before on-demand
Element Plus the same walk gave 519 kB (entry 332 kB, dashboard 183 kB).

The recorded ratio is measured / goal: at most 1× meets it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from results import record

ROOT = Path(__file__).resolve().parents[1]
FRONTEND = ROOT / "frontend"
OUT = ROOT / "var" / "bench" / "frontend-dist"
DASHBOARD = "src/views/DashboardView.vue"
GOAL_KB = 300.0
BEFORE_KB = 519.0  # the same walk over the build of main at a7cff6e (Element Plus imported whole)


def build(out: Path) -> Path:
    vite = FRONTEND / "node_modules" / ".bin" / "vite"
    if not vite.exists():
        raise SystemExit("frontend/node_modules is missing: run `make install` (npm ci in frontend/)")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(  # noqa: S603 - our own build
        [str(vite), "build", "--outDir", str(out), "--emptyOutDir", "--logLevel", "warn"],
        cwd=FRONTEND,
        check=True,
    )
    return out


def closure(manifest: dict[str, Any], roots: list[str]) -> list[str]:
    """The manifest keys of `roots` and everything they import statically, each once, in visit order."""
    seen: list[str] = []
    stack = list(reversed(roots))
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.append(key)
        stack.extend(reversed(manifest[key].get("imports", [])))
    return seen


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dist", type=Path, help="read this build instead of building one")
    args = parser.parse_args()
    dist = args.dist.resolve() if args.dist else build(OUT)
    manifest_file = dist / ".vite" / "manifest.json"
    if not manifest_file.is_file():
        raise SystemExit(f"{manifest_file} is missing: build with `build.manifest` (vite.config.ts sets it)")
    manifest: dict[str, Any] = json.loads(manifest_file.read_text(encoding="utf-8"))
    entries = [key for key, chunk in manifest.items() if chunk.get("isEntry")]
    if entries != ["index.html"]:
        raise SystemExit(f"expected one entry, index.html; the manifest has {entries}")
    if DASHBOARD not in manifest.get("index.html", {}).get("dynamicImports", []):
        raise SystemExit(f"the entry does not load {DASHBOARD} as a route: the walk would miss it")

    keys = closure(manifest, ["index.html", DASHBOARD])
    print(f"build: {dist}")
    print("JavaScript downloaded to show the dashboard after sign-in (gzip -9):")
    total = 0
    css: set[str] = set()
    for key in keys:
        chunk = manifest[key]
        size = gzipped(dist / chunk["file"])
        total += size
        css.update(chunk.get("css", []))
        print(f"  {size / 1000:8.1f} kB  {chunk['file']}  ({key})")
    css_total = sum(gzipped(dist / file) for file in css)
    measured_kb = total / 1000
    ratio = measured_kb / GOAL_KB
    print(f"  {measured_kb:8.1f} kB  in {len(keys)} files")
    print(f"stylesheets of the same chunks (not counted): {css_total / 1000:.1f} kB in {len(css)} files")
    print(
        f"ratio measured / goal: {ratio:.2f}x ({measured_kb:.0f} kB against {GOAL_KB:.0f} kB; "
        f"{measured_kb / BEFORE_KB:.2f}x of the {BEFORE_KB:.0f} kB before)"
    )
    record(
        "front end: JavaScript to show the dashboard after sign-in, gzipped, against the goal",
        measured=f"{measured_kb:.0f} kB in {len(keys)} files",
        baseline=f"goal {GOAL_KB:.0f} kB (before: {BEFORE_KB:.0f} kB)",
        ratio=ratio,
        at_most=1.0,
    )


if __name__ == "__main__":
    main()
