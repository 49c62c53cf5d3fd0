"""Compile every django.po under the project into django.mo with polib (pure Python, so
no gettext tools are needed to run Atelier). The machine-translated languages keep their
fuzzy entries (coop/core/catalogues.py says which and why)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from coop.core.catalogues import catalogue_compile

SKIP = {".venv", "node_modules", ".git", "staticfiles"}


class Command(BaseCommand):
    help = "Compile the project's .po files to .mo."

    def handle(self, *args, **options):
        count = 0
        for po_path in Path(settings.BASE_DIR).rglob("django.po"):
            if SKIP & set(po_path.relative_to(settings.BASE_DIR).parts):
                continue
            catalogue_compile(po_path)
            count += 1
        if options["verbosity"]:
            self.stdout.write(f"compiled {count} catalogue(s)")
