"""The deployment files, checked against the services' real settings and routes without a Docker
engine: docker-compose.yml is parsed, every kustomize overlay rendered with `kubectl kustomize`, and
the image's build steps replayed in a scratch directory."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

import funding_api.config
import funding_api.main
import indicator_api.config
import indicator_api.main
import matching_api.config
import matching_api.main
from daye_kit.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
SERVICES: dict[str, tuple[type[ServiceSettings], Any, str]] = {
    "indicator-api": (indicator_api.config.Settings, indicator_api.main.create_app, "INDICATOR_"),
    "matching-api": (matching_api.config.Settings, matching_api.main.create_app, "MATCHING_"),
    "funding-api": (funding_api.config.Settings, funding_api.main.create_app, "FUNDING_"),
}
# What the operator puts in `<service>-secrets` (named in each base manifest's header).
SECRETS = {
    "indicator-api": [
        "INDICATOR_DATABASE_URL",
        "INDICATOR_SIGNING_KEY",
        "INDICATOR_ADMIN_PASSWORD",
        "INDICATOR_SERVICE_API_KEYS",
    ],
    "matching-api": ["MATCHING_DATABASE_URL", "MATCHING_SERVICE_API_KEY"],
    "funding-api": ["FUNDING_DATABASE_URL", "FUNDING_SERVICE_API_KEY"],
}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|SIGNING_KEY|API_KEY|DATABASE_URL")


def pem() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )


def sample_secret(name: str) -> str:
    if name.endswith("DATABASE_URL"):
        return "postgresql+asyncpg://daye:secret@db.internal:5432/daye"
    if name.endswith("SIGNING_KEY"):
        return pem()
    if name.endswith("SERVICE_API_KEYS"):
        return '{"matching-api": "dk_m0000001_issued", "funding-api": "dk_f0000001_issued"}'
    if name.endswith("API_KEY"):
        return "dk_issued01_a-key-the-admin-issued"
    return "a-password-an-operator-chose"


def settings_from(service: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> ServiceSettings:
    settings_type, _, prefix = SERVICES[service]
    for name in list(os.environ):
        if name.startswith(prefix):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return settings_type()


def app_paths(service: str) -> set[str]:
    settings_type, create_app, _ = SERVICES[service]
    app = create_app(settings_type(environment="development", database_url="sqlite+aiosqlite:///:memory:"))
    return set(app.openapi()["paths"])


# --- docker-compose.yml -------------------------------------------------------------------------

COMPOSE_VARIABLE = re.compile(r"\$\{(\w+)(:\?[^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    text = (ROOT / "docker-compose.yml").read_text()
    values = {"INDICATOR_SIGNING_KEY": pem().replace("\n", "\\n")}
    rendered = COMPOSE_VARIABLE.sub(lambda m: values.get(m.group(1), f"sample-{m.group(1).lower()}"), text)
    return dict(yaml.safe_load(rendered))


def test_compose_requires_every_secret_and_commits_none() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    document = yaml.safe_load(text)
    for name, service in document["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key) or "PASSWORD" in key:
                assert "${" in str(value), f"{name}: {key} holds a literal value"
        for match in COMPOSE_VARIABLE.finditer(str(service.get("environment"))):
            assert match.group(2), (
                f"{name}: ${{{match.group(1)}}} has no :? so a missing secret passes silently"
            )


@pytest.mark.parametrize("service", list(SERVICES))
def test_compose_runs_each_service_migrated_healthy_and_in_production(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = compose["services"]
    app = services[service]
    short = service.split("-")[0]
    env = {k: str(v).replace("\\n", "\n") for k, v in app["environment"].items()}
    settings = settings_from(service, env, monkeypatch)  # a production start with these would succeed
    assert settings.environment == "production"
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert app["ports"] == [f"{settings.port}:{settings.port}"]
    assert app["build"]["args"]["PORT"] == str(settings.port)
    assert (ROOT / app["build"]["dockerfile"]).is_file()
    assert (ROOT / "services" / app["build"]["args"]["SERVICE"]).is_dir()
    migrate = services[f"{short}-migrate"]
    assert migrate["command"] == ["python", "-m", app["build"]["args"]["MODULE"], "migrate"]
    assert app["depends_on"][f"{short}-migrate"] == {"condition": "service_completed_successfully"}
    assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}
    probe = " ".join(app["healthcheck"]["test"])
    assert re.search(r"/(readyz|healthz)", probe)
    assert {"/readyz", "/healthz"} <= app_paths(service)
    for peer in ("indicator-api",) if service != "indicator-api" else ():
        assert app["depends_on"][peer] == {"condition": "service_healthy"}


def test_compose_database_per_service(compose: dict[str, Any]) -> None:
    databases = {
        str(compose["services"][s]["environment"][f"{p}DATABASE_URL"]).rsplit("/", 1)[1]
        for s, (_, _, p) in SERVICES.items()
    }
    assert databases == {"indicator", "matching", "funding"}
    created = (ROOT / "deploy/postgres/create-databases.sql").read_text()
    assert "CREATE DATABASE matching" in created
    assert "CREATE DATABASE funding" in created
    assert compose["services"]["postgres"]["environment"]["POSTGRES_DB"] == "indicator"
    assert "pgdata" in compose["volumes"]


# --- Kubernetes ---------------------------------------------------------------------------------


def render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl renders the kustomize overlays; it is part of this kind of machine"
    out = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy/kubernetes/overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="module", params=["county", "province"])
def manifests(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(request.param)


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


@pytest.mark.parametrize("service", list(SERVICES))
def test_each_service_is_deployed_probed_scaled_and_migrated(
    manifests: tuple[str, list[dict[str, Any]]], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    overlay, docs = manifests
    deployment = by_kind(docs, "Deployment")[service]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    config_maps = by_kind(docs, "ConfigMap")
    refs = container["envFrom"]
    env: dict[str, str] = {}
    for ref in refs:
        if "configMapRef" in ref:
            env.update(config_maps[ref["configMapRef"]["name"]]["data"])
    assert [r["secretRef"]["name"] for r in refs if "secretRef" in r] == [f"{service}-secrets"]
    with pytest.raises(ValidationError):  # the secrets are needed …
        settings_from(service, env, monkeypatch)
    settings = settings_from(
        service, env | {name: sample_secret(name) for name in SECRETS[service]}, monkeypatch
    )
    assert settings.environment == "production"  # … and with them a production start succeeds
    assert settings.migrate_on_start is False
    assert container["ports"][0]["containerPort"] == settings.port
    paths = app_paths(service)
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"/readyz", "/healthz"} <= paths
    assert container["resources"]["requests"]
    assert container["resources"]["limits"]
    assert container["image"] == f"registry.example/daye/{service}:0.1.0"
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    hpa = by_kind(docs, "HorizontalPodAutoscaler")[service]
    assert hpa["spec"]["scaleTargetRef"]["name"] == service
    assert hpa["spec"]["minReplicas"] >= 2
    assert by_kind(docs, "PodDisruptionBudget")[service]["spec"]["minAvailable"] == 1
    assert by_kind(docs, "Service")[service]["spec"]["ports"][0]["port"] == settings.port
    job = by_kind(docs, "Job")[f"{service}-migrate"]
    [migrate] = job["spec"]["template"]["spec"]["containers"]
    assert migrate["command"] == ["python", "-m", service.replace("-", "_"), "migrate"]
    assert migrate["envFrom"] == refs
    assert all(d["metadata"]["namespace"] == f"daye-{overlay}" for d in docs)


def test_nothing_secret_is_committed_and_the_ingress_routes_every_api(
    manifests: tuple[str, list[dict[str, Any]]],
) -> None:
    _, docs = manifests
    assert not by_kind(docs, "Secret"), "secrets are created by the operator, never committed"
    for config_map in by_kind(docs, "ConfigMap").values():
        assert not any(SECRET_NAME.search(key) for key in config_map["data"])
    [ingress] = by_kind(docs, "Ingress").values()
    backends = {p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == {*SERVICES, "frontend"}
    for name in backends:
        assert name in by_kind(docs, "Service")


def test_every_image_has_a_dockerfile(manifests: tuple[str, list[dict[str, Any]]]) -> None:
    _, docs = manifests
    images = {
        c["image"].split("/")[-1].split(":")[0]
        for d in by_kind(docs, "Deployment").values()
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert images == {*SERVICES, "frontend"}
    assert (ROOT / "deploy/service.Dockerfile").is_file()
    assert (ROOT / "deploy/frontend/Dockerfile").is_file()
    for service in SERVICES:
        assert (ROOT / "services" / service / "pyproject.toml").is_file()


# --- the image's build stage, replayed -----------------------------------------------------------


def test_the_image_build_steps_install_a_service_that_migrates(tmp_path: Path) -> None:
    """Replays the build stage of deploy/service.Dockerfile (ENV, WORKDIR, COPY, RUN uv …) for
    indicator-api in a scratch directory, then runs the installed service's `migrate`."""
    args = {"SERVICE": "indicator-api"}
    env = {**os.environ}
    lines = (ROOT / "deploy/service.Dockerfile").read_text().split("\nFROM ")[1].splitlines()[1:]
    app = tmp_path / "app"
    app.mkdir()
    for line in lines:
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        line = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], line)
        instruction, rest = line.split(maxsplit=1)
        if instruction == "ENV":
            env.update(dict(item.split("=", 1) for item in shlex.split(rest)))
        elif instruction == "COPY":
            *sources, target = rest.split()
            for source in sources:
                into = app / target
                if target.endswith("/"):
                    into = into / Path(source).name
                if (ROOT / source).is_dir():
                    skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".venv")
                    shutil.copytree(ROOT / source, into, ignore=skip, dirs_exist_ok=True)
                else:
                    into.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(ROOT / source, into)
        elif instruction == "RUN" and rest.startswith("uv "):
            env["UV_PROJECT_ENVIRONMENT"] = str(app / ".venv")
            uv = [shutil.which("uv")] if shutil.which("uv") else ["python3", "-m", "uv"]
            subprocess.run([*uv, *shlex.split(rest)[1:]], cwd=app, env=env, check=True, capture_output=True)
    python = app / ".venv/bin/python"
    migrate_env = {
        "PATH": os.environ["PATH"],
        "INDICATOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'i.db'}",
    }
    result = subprocess.run(
        [str(python), "-m", "indicator_api", "migrate"],
        cwd=tmp_path,
        env=migrate_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "schema is at head" in result.stderr
    packages = {
        p.name.split("-")[0].lower() for p in (app / ".venv/lib").glob("python*/site-packages/*.dist-info")
    }
    assert "fastapi" in packages
    assert not {"pytest", "jieba", "scipy", "hypothesis"} & packages, "only the service's own packages"
    assert "daye_demo" not in packages, "the demo world stays out of production images"
