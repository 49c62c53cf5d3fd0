"""coop/core/management/commands/compile_translations.py: every django.po under BASE_DIR is
compiled to a django.mo gettext reads, skipping the virtualenv and other tool folders."""

import gettext

import polib
from django.core.management import call_command


def _catalogue(path, msgstr):
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="Hello", msgstr=msgstr))
    path.parent.mkdir(parents=True)
    po.save(str(path))


def test_compiles_each_catalogue_and_skips_tool_folders(settings, tmp_path, capsys):
    settings.BASE_DIR = tmp_path
    _catalogue(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po", "Bonjour")
    _catalogue(tmp_path / "app" / "locale" / "mg" / "LC_MESSAGES" / "django.po", "Manao ahoana")
    _catalogue(tmp_path / ".venv" / "lib" / "locale" / "fr" / "LC_MESSAGES" / "django.po", "Salut")
    call_command("compile_translations")
    assert capsys.readouterr().out.strip() == "compiled 2 catalogue(s)"
    with open(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.mo", "rb") as handle:
        assert gettext.GNUTranslations(handle).gettext("Hello") == "Bonjour"
    assert (tmp_path / "app" / "locale" / "mg" / "LC_MESSAGES" / "django.mo").exists()
    assert not (tmp_path / ".venv" / "lib" / "locale" / "fr" / "LC_MESSAGES" / "django.mo").exists()


def test_quiet_with_verbosity_zero(settings, tmp_path, capsys):
    settings.BASE_DIR = tmp_path
    call_command("compile_translations", verbosity=0)
    assert capsys.readouterr().out == ""
