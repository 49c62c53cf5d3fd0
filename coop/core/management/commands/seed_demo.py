"""Load the demo federation. Idempotent: every app's `demo.seed(ctx)` creates what is missing
and leaves what exists alone, so running this twice changes nothing.

Each app that has demo data keeps it in `<app>/demo.py` with `seed(ctx)`; apps run in
INSTALLED_APPS order and share `ctx` (coops, users, logins...), except that the federation's
runs first: it creates the federation, the operator, the coops and the people every other
demo builds on (accounts, which holds requesters, comes before it in INSTALLED_APPS).
An optional `finish(ctx)` runs after every app has seeded (the event log signs what they
recorded)."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand

from coop.core.tour import WHAT_TO_TRY

FIRST = ("coop.federation",)


class Command(BaseCommand):
    help = "Load the demo federation (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, **options):
        ctx = {"logins": [], "stdout": self.stdout}
        configs = sorted(apps.get_app_configs(), key=lambda c: 0 if c.name in FIRST else 1)  # stable sort
        modules = []
        for config in configs:
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            module.seed(ctx)
            modules.append(module)
        # Optional second pass, after every app has seeded (the event log signs what they recorded).
        for module in modules:
            if hasattr(module, "finish"):
                module.finish(ctx)
        if not options["quiet"]:
            self.stdout.write("Demo logins (password for all: %s)" % ctx.get("password", "atelier-demo"))
            for role, email in ctx["logins"]:
                self.stdout.write(f"  {role:<28} {email}")
            self.stdout.write("What to try (Menu is at the top right of every page):")
            for path, text in WHAT_TO_TRY:
                self.stdout.write(f"  {path:<10} {text}")
