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


# --- tests mirror the code -----------------------------------------------------------------

WIRING = {"apps", "urls", "api_urls", "admin", "routing", "__init__"}  # wiring: no test module of their own
UNTESTED = ROOT / "tests" / "untested_modules.txt"
UNHINTED = ROOT / "tests" / "unhinted_functions.txt"


def _computes(path):
    """Does the module define a function or method (other than dunders)? Declarations only
    (error classes, choices) have nothing of their own to test."""
    return any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and not (n.name.startswith("__")
               and n.name.endswith("__")) for n in ast.walk(ast.parse(path.read_text())))


def _own_test_modules(path):
    """Where a module's own tests live: tests/<app>/test_<module>.py, the module named by its
    path inside its app (`services/escrow.py`: test_escrow.py or test_services_escrow.py), or
    the test module of the package it is part of (test_services.py). accounts.requesters'
    tests are tests/accounts/test_requesters_*.py."""
    app = path.parent
    while not (app / "apps.py").exists():
        app = app.parent
    rel = path.relative_to(app).with_suffix("").parts
    tests = ROOT / "tests" / app.name
    if app.name == "requesters":
        tests, rel = ROOT / "tests" / "accounts", ("requesters", *rel)
    return ([tests / f"test_{'_'.join(rel[i:])}.py" for i in range(len(rel))]
            + [tests / f"test_{'_'.join(rel[:i + 1])}.py" for i in range(len(rel) - 1)])


def test_every_app_module_has_its_own_test_module():
    untested = {line.strip() for line in UNTESTED.read_text().splitlines() if line.strip() and line[0] != "#"}
    missing, tested_now = [], []
    for path in _app_files():
        name = str(path.relative_to(ROOT))
        if path.stem in WIRING or path.parent == ROOT / "coop" or not _computes(path):
            continue
        has_tests = any(t.exists() for t in _own_test_modules(path))
        if not has_tests and name not in untested:
            missing.append(name)
        if has_tests and name in untested:
            tested_now.append(name)
    gone = sorted(n for n in untested if not (ROOT / n).exists())
    assert missing == [], "write tests/<app>/test_<module>.py for these new modules"
    assert tested_now == [], "these have their own tests now: take them off tests/untested_modules.txt"
    assert gone == [], "these modules no longer exist: take them off tests/untested_modules.txt"


# --- type hints on every public service and selector ---------------------------------------

def _service_and_selector_modules():
    for path in _app_files():
        rel = path.relative_to(ROOT)
        if "services" in rel.parts[:-1] or rel.stem == "services" or rel.name == "selectors.py":
            yield path


def _missing_hints(path):
    """`name(param, ...)` of each public function of the module lacking a parameter or return hint."""
    missing = []
    for node in ast.parse(path.read_text()).body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
            continue
        args = node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, (args.vararg, args.kwarg))]
        bare = [p.arg for p in params if p.annotation is None and p.arg not in ("self", "cls")]
        if node.returns is None:
            bare.append("return")
        if bare:
            missing.append(f"{node.name}({', '.join(bare)})")
    return missing


def test_public_services_and_selectors_have_type_hints():
    """Every parameter and the return of every public function in `services/`, `services.py`
    and `selectors.py` is annotated (issue 17): the signature says what a service takes (a
    model, or a model or its id) and gives back."""
    unhinted = {line.strip() for line in UNHINTED.read_text().splitlines() if line.strip() and line[0] != "#"}
    found = {f"{path.relative_to(ROOT)}::{name.split('(')[0]}": name
             for path in _service_and_selector_modules() for name in _missing_hints(path)}
    assert sorted(v for k, v in found.items() if k not in unhinted) == [], "add the missing hints"
    assert sorted(unhinted - set(found)) == [], "these have their hints now (or are gone): take them off " \
        "tests/unhinted_functions.txt"
