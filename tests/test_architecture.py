"""The layer contracts of pyproject.toml (docs/architecture.md), run as `make lint` runs them.

They hold on the code as it is; an upward import (an app importing one above it, a module of
an app importing its own entry points or services from a selector) or an import cycle between
sibling modules breaks them; and every
module of the four packages sits in a layer of the apps contract, so a new module cannot slip
past it unlisted."""

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("coop", "accounts", "ledger", "tasks")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd):
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_layer_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


@pytest.fixture
def copy_of_the_code(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(("module", "line", "contract"), [
    # the ledger reaching up into the marketplace (the registries of tasks/apps.py exist to avoid it)
    ("ledger/selectors.py", "from tasks.models import Project", "Apps in one-way layers"),
    # the event log reading memberships itself instead of through the access module
    ("coop/eventlog/services.py", "from coop.federation import access", "Apps in one-way layers"),
    # the marketplace calling the appeals' brake directly instead of through its registry
    ("tasks/services/review.py", "from tasks.appeals.services import brake", "Apps in one-way layers"),
    # a selector calling a service (reads never write)
    ("tasks/selectors.py", "from tasks.services import claiming", "Inside each app"),
    # a service importing the jobs module that calls it
    ("tasks/qualifications/services/paid_tests.py", "from tasks.qualifications import jobs",
     "No module below the entry points"),
    # two sibling modules importing each other (explain already imports words)
    ("tasks/qualifications/rules/words.py", "from tasks.qualifications.rules import explain", "No import cycles"),
])
def test_an_upward_import_breaks_a_contract(copy_of_the_code, module, line, contract):
    path = copy_of_the_code / module
    path.write_text(path.read_text() + f"\n{line}  # upward, on purpose\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
    importer = module.removesuffix(".py").replace("/", ".")
    broken = broken.replace("\n", "")
    package, name = importer.rsplit(".", 1)
    assert importer in broken or f"in {package}." in broken and f".{name} ->" in broken  # cycles name siblings


def _modules():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_module_sits_in_a_layer_of_the_apps_contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    apps = next(c for c in config["contracts"] if c["id"] == "apps")
    layers = [name.strip() for layer in apps["layers"] for part in layer.split("|") for name in part.split(":")]

    def placed(module):
        return any(module == layer or module.startswith(layer + ".") for layer in layers)

    # the project package's own modules (settings, URLs, ASGI/WSGI) wire the apps together: above them all
    wiring = {"coop", "coop.settings", "coop.urls", "coop.asgi", "coop.wsgi", "accounts", "tasks", "ledger"}
    unplaced = sorted(m for m in _modules() if m not in wiring and not placed(m))
    assert unplaced == []


def _app_files():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_no_app_module_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in _app_files() if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_rows_are_locked_only_in_locks_modules():
    outside = sorted(str(p.relative_to(ROOT)) for p in _app_files()
                     if p.name != "locks.py" and "select_for_update" in p.read_text())
    assert outside == []


# Reading a membership's role, or whether it is active, from its fields: `Membership.Role.X ==`,
# `role__`, `memberships__role`, `status == Membership.Status.ACTIVE`, a filter on them. Setting
# them (a service's write, `membership.role = ...`) is not a read; nor are the lifecycle checks
# of the services that move a membership between states (applicant, suspended, left).
ROLE_READ = re.compile(
    r"(==|!=|\bin)\s*\(?Membership\.(Role\.|Status\.ACTIVE\b)|Membership\.(Role\.\w+|Status\.ACTIVE)\s*(==|!=)"
    r"|\brole__|__role\b|__status\s*=\s*Membership\.Status\.ACTIVE"
    r"|\.(filter|exclude|get)\([^)]*\b(role\s*=\s*Membership\.Role|status\s*=\s*Membership\.Status\.ACTIVE)")


def test_membership_roles_are_read_in_the_federation_models_and_access_modules_only():
    """The one vocabulary of "active member" and "active steward" (docs/architecture.md
    "Access"): `active_q`/`steward_q`, `Membership.objects.active()/.stewards()`,
    `Membership.is_active/.is_steward/.steward_state` in coop/federation/models.py, and the
    checks of coop/federation/access.py built on them. Nothing else re-derives them."""
    home = {"coop/federation/models.py", "coop/federation/access.py"}
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for p in _app_files() if str(p.relative_to(ROOT)) not in home and p.name != "demo.py"
             for n, line in enumerate(p.read_text().splitlines(), 1) if ROLE_READ.search(line)]
    assert found == []


@pytest.mark.parametrize(("line", "is_read"), [
    ("        is_steward = membership.role == Membership.Role.STEWARD", True),
    ("            if a == Membership.Role.STEWARD and b == Membership.Status.ACTIVE:", True),
    ('    stewards = models.Count("memberships", filter=models.Q(memberships__role=Membership.Role.STEWARD))', True),
    # a filter split over lines: a line grep misses it
    ('        pk=item.get("membership"), coop=ctx.coop, status=Membership.Status.ACTIVE).first()', False),
    ("    qs = Membership.objects.filter(coop=coop, status=Membership.Status.ACTIVE)", True),
    ("    if membership.status != Membership.Status.ACTIVE:", True),
    ("    membership.role = Membership.Role.STEWARD", False),  # a write
    ("    if membership.status != Membership.Status.SUSPENDED:", False),  # a lifecycle step
    ("    return Membership.objects.stewards().filter(coop_id=coop_id)", False),
])
def test_the_role_read_pattern(line, is_read):
    assert bool(ROLE_READ.search(line)) is is_read


def _trees():
    for path in _app_files():
        yield path, ast.parse(path.read_text())


def test_a_function_level_import_says_why():
    """An import inside a function is there only to break an import cycle (or to load an optional
    client), and says so in a comment on its line or the line above. `AppConfig.ready()` is the
    exception Django needs: models cannot be imported while the app registry loads."""
    silent = []
    for path, tree in _trees():
        lines = path.read_text().splitlines()
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or function.name == "ready":
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    near = lines[node.lineno - 2:node.end_lineno]
                    if not any("#" in line for line in near):
                        silent.append(f"{path.relative_to(ROOT)}:{node.lineno} in {function.name}()")
    assert silent == []


def test_jobs_run_their_items_through_batch_run():
    """One contract for jobs (docs/architecture.md "Jobs"): a job does not loop over items with
    transactions of its own; `coop.core.batch.batch_run` gives each its durable transaction,
    logs and counts a failure and goes on."""
    own_loops = []
    for path, tree in _trees():
        if path.name != "jobs.py":
            continue
        for loop in ast.walk(tree):
            if isinstance(loop, ast.For | ast.While) and "atomic" in ast.unparse(loop):
                own_loops.append(f"{path.relative_to(ROOT)}:{loop.lineno}")
    assert own_loops == []


def test_one_api_error_shape():
    """`ERROR`, `ERRORS` and `IDEMPOTENCY` are declared once, in coop/core/api.py; an API module
    imports them rather than declaring its own error serializer."""
    declared = []
    for path, tree in _trees():
        if path.relative_to(ROOT) == Path("coop/core/api.py"):
            continue
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if names & {"ERROR", "ERRORS", "IDEMPOTENCY"} or (
                    isinstance(node, ast.ClassDef) and node.name.endswith("ErrorSerializer")):
                declared.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert declared == []
