"""docs/deploy.md documents every setting the environment can give (issue 22): a variable
read in coop/settings.py or by run_stack that is missing from the table fails here."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
READ = re.compile(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']"""
                  r"""|os\.environ(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""")


def variables_read():
    names = set()
    for path in [ROOT / "coop" / "settings.py", *sorted((ROOT / "coop").rglob("management/commands/run_*.py"))]:
        for match in READ.finditer(path.read_text()):
            names.add(match.group(1) or match.group(2))
    return names


def test_every_environment_variable_is_in_the_settings_table():
    text = (ROOT / "docs" / "deploy.md").read_text()
    table = text[text.index("## Settings"):text.index("## With containers")]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    read = variables_read()
    assert {"SECRET_KEY", "DATABASE_URL", "WEB_CONCURRENCY"} <= read  # the scan itself works
    assert sorted(read - documented) == []
