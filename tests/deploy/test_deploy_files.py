"""The container files (issue 22): Docker is not available on the CI machines, so these
tests hold compose.yaml, the Caddyfile and the Dockerfile to the code instead (hadolint lints
the Dockerfile in `make lint`): every process command is one `run_stack` accepts, the
production settings compose gives pass `check --deploy`, and the proxy reaches every web
process and keeps /metrics inside."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(settings.BASE_DIR)
SECRETS = {"POSTGRES_PASSWORD": "pw", "SECRET_KEY": secrets.token_urlsafe(50), "PSEUDONYM_SECRET": "p" * 40,
           "API_KEY_SECRET": "a" * 40, "EVENTLOG_SIGNING_KEY": "ab" * 32, "SITE_DOMAIN": "atelier.example",
           "EMAIL_URL": "smtp+tls://u:p@smtp.example:587", "METRICS_TOKEN": "t" * 30}


def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def interpolate(value, variables):
    def one(match):
        name, default = match.group(1), match.group(3)
        return variables.get(name, default or "")
    return re.sub(r"\$\{([A-Z_]+)(:?[-?]([^}]*))?\}", one, value)


def test_compose_has_the_production_topology():
    services = compose()["services"]
    assert {"postgres", "redis", "web1", "web2", "jobs", "sequencer", "caddy"} <= set(services)
    assert services["postgres"]["image"] == "postgres:15" and services["redis"]["image"] == "redis:7"
    kinds = {}
    for name, service in services.items():
        command = service.get("command") or []
        if command[:3] == ["python", "manage.py", "run_stack"]:
            kinds[name] = command[command.index("--only") + 1]
    assert kinds == {"web1": "web", "web2": "web", "jobs": "jobs", "sequencer": "sequencer"}


def test_run_stack_refuses_an_unknown_kind_before_starting_anything():
    for bad in ("webs", "", "web,cron"):
        try:
            call_command("run_stack", only=bad, workers=1)
        except CommandError as error:
            assert "--only" in str(error)
        else:
            raise AssertionError(f"run_stack --only {bad!r} started")


def test_the_compose_environment_passes_check_deploy(tmp_path):
    env_block = compose()["x-atelier"]["environment"]
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "REDIS_URL")}
    for key, value in env_block.items():
        env[key] = interpolate(str(value), SECRETS)
    # the compose hosts do not resolve here: the check needs the settings, not the services
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL", "sqlite:///" + str(tmp_path / "db.sqlite3"))
    env.pop("REDIS_URL", None)
    env["STATIC_ROOT"] = str(tmp_path / "static")
    assert env["DEBUG"] == "false" and env["SITE_URL"] == "https://atelier.example"
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_proxy_reaches_every_web_process_and_keeps_metrics_inside():
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddyfile).group(1).split()
    webs = [name for name, s in compose()["services"].items() if "--only" in (s.get("command") or [])
            and s["command"][s["command"].index("--only") + 1] == "web"]
    assert sorted(upstreams) == sorted(f"{name}:8000" for name in webs)
    assert "health_uri /healthz" in caddyfile
    assert re.search(r"@metrics path /metrics\s+respond @metrics 404", caddyfile)


def test_the_image_runs_unprivileged_with_a_healthcheck():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user and user[-1] not in ("root", "0")
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert "collectstatic" in dockerfile
