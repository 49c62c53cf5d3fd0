"""Compile every django.po under the project into django.mo with polib (pure Python, so
no gettext tools are needed to run Atelier)."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

SKIP = {".venv", "node_modules", ".git", "staticfiles"}


class Command(BaseCommand):
    help = "Compile the project's .po files to .mo."

    def handle(self, *args, **options):
        count = 0
        for po_path in Path(settings.BASE_DIR).rglob("django.po"):
            if SKIP & set(po_path.relative_to(settings.BASE_DIR).parts):
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
            count += 1
        if options["verbosity"]:
            self.stdout.write(f"compiled {count} catalogue(s)")
