"""The deployment files, exercised as far as this machine can (no container engine here):
the Dockerfile's shape, its HEALTHCHECK run against `warning run` on the image's own config;
compose.yaml's services run as compose would run them (migrate, then two instances) on the
PostgreSQL server here; the systemd unit verified by systemd-analyze."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, free_port, postgres_database, query

WARNING = str(Path(sys.executable).with_name("warning"))


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n\s*", " ", text)
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_dockerfile_is_slim_non_root_and_checks_healthz() -> None:
    steps = instructions()
    kinds = [kind for kind, _ in steps]
    assert steps[0] == ("FROM", "python:3.11-slim")
    user = kinds.index("USER")
    assert steps[user][1] not in ("root", "0") and "RUN" not in kinds[user:]
    for kind, arguments in steps:
        if kind == "COPY":
            *sources, _ = arguments.split()
            assert all((REPO / source).exists() for source in sources), arguments
    assert any("pip install ." in arguments for kind, arguments in steps if kind == "RUN")
    assert json.loads(dict(steps)["ENTRYPOINT"]) == ["warning"]
    assert json.loads(dict(steps)["CMD"]) == ["run"]
    assert "/healthz" in dict(steps)["HEALTHCHECK"]


def healthcheck(port: int) -> list[str]:
    """The Dockerfile's HEALTHCHECK command, for an instance on `port`."""
    command = dict(instructions())["HEALTHCHECK"].split(" CMD ", 1)[1]
    return [part.replace(":8080/", f":{port}/") for part in json.loads(command)]


def container_config(folder: Path, port: int) -> Path:
    """deploy/config.yaml as the image holds it, its inbox and port moved into `folder`."""
    text = (REPO / "deploy" / "config.yaml").read_text(encoding="utf-8")
    text = text.replace("/var/lib/warning/inbox", str(folder / "inbox"))
    text = text.replace("port: 8080", f"port: {port}")
    (folder / "inbox").mkdir(parents=True, exist_ok=True)
    config = folder / "config.yaml"
    config.write_text(text, encoding="utf-8")
    return config


def compose_services() -> dict[str, dict]:
    return yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))["services"]


def test_compose_has_postgres_a_migration_and_two_named_instances() -> None:
    services = compose_services()
    assert services["db"]["image"].startswith("postgres:")
    assert services["migrate"]["command"] == ["db", "upgrade"]
    instances = [s for name, s in services.items() if name.startswith("warning-")]
    assert len(instances) == 2
    names = {s["environment"]["WARNING_INSTANCE"] for s in instances}
    assert len(names) == 2
    for service in instances:
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert "@db:5432/" in service["environment"]["WARNING_DATABASE_URL"]
        assert all(port.startswith("127.0.0.1:") for port in service["ports"])


@pytest.mark.timeout(240)
def test_compose_services_run_here_and_the_healthcheck_passes(tmp_path: Path) -> None:
    """What compose would run, on this machine: `migrate`, then an instance with its
    environment (the database URL pointed at the local server) on the image's config, and
    the Dockerfile's HEALTHCHECK passes against it; the other instance's environment reads
    the same database (two running instances: tests/test_instances.py)."""
    services = compose_services()
    with postgres_database() as url:

        def env(service: dict) -> dict[str, str]:
            named = {k: str(v) for k, v in service.get("environment", {}).items()}
            return {**os.environ, **named, "WARNING_DATABASE_URL": url}

        config = container_config(tmp_path, free_port())
        migrate = services["migrate"]
        done = subprocess.run(
            [WARNING, *migrate["command"], "-c", str(config)],
            env=env(migrate), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert query(url, "SELECT version_num FROM alembic_version")
        daemons, ports = [], []
        other = subprocess.run(
            [WARNING, "db", "current", "-c", str(config)],
            env=env(services["warning-b"]), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert other.returncode == 0 and "revision" in other.stdout, other.stderr
        for name in ("warning-a",):
            port = free_port()
            folder = tmp_path / name
            folder.mkdir()
            daemons.append(subprocess.Popen(
                [WARNING, "run", "-c", str(container_config(folder, port))],
                env=env(services[name]), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            ))  # fmt: skip
            ports.append(port)
        try:
            for port in ports:
                deadline = time.monotonic() + 120
                while subprocess.run(healthcheck(port), capture_output=True).returncode != 0:
                    assert time.monotonic() < deadline, "the HEALTHCHECK never passed"
                    time.sleep(1)
        finally:
            for daemon in daemons:
                daemon.send_signal(signal.SIGTERM)
            logs = [daemon.communicate(timeout=60)[1].decode() for daemon in daemons]
        assert all(d.returncode == 0 for d in daemons), logs
        lines = [json.loads(line) for log in logs for line in log.splitlines() if line]
        assert lines and all(set(line) >= {"time", "level", "message"} for line in lines)
    assert subprocess.run(healthcheck(ports[0]), capture_output=True).returncode != 0


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    unit = (REPO / "deploy" / "warning@.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/warning/bin/warning run" in unit
    assert "Environment=WARNING_INSTANCE=%i" in unit and "RestartPreventExitStatus=2" in unit
    here = tmp_path / "warning@.service"
    here.write_text(unit.replace("/opt/warning/bin/warning", WARNING), encoding="utf-8")
    broken = tmp_path / "broken@.service"
    broken.write_text(here.read_text().replace("RestartSec=5", "RestartSec=soon"))
    for path, clean in ((here, True), (broken, False)):
        done = subprocess.run(
            ["systemd-analyze", "verify", str(path.with_name(path.name.replace("@", "@a")))],
            capture_output=True, text=True, timeout=60, cwd=tmp_path,
        )  # fmt: skip
        said = [line for line in done.stderr.splitlines() if str(tmp_path) in line]
        assert (said == []) == clean, done.stderr
