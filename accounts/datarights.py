"""Members' data rights (issue 15; docs/security.md "Members' data rights"): the registry that
lets each app contribute its part of "Download my data" and of leaving with erasure.

`accounts` sits below the apps that hold a member's data, so they register here from their
`AppConfig.ready()` (the move of `ledger.selectors.register_held_source`):

- `register_section(name, fn)`: `fn(*, user)` -> a list of flat dicts, one file pair
  (`<name>.json`, `<name>.csv`) of the export; `note` is written in the export's README.
- `register_blocker(fn)`: `fn(*, user)` -> a list of `(code, message)` reasons erasure must
  wait (work under review, an open payout...).
- `register_preparer(fn)`: `fn(*, user, donate)` runs first in the erasure's transaction (the
  ledger gives a remaining balance to the coop's treasury when the member chose to).
- `register_eraser(fn)`: `fn(*, user, tombstone)` replaces the member's personal data and
  free texts in its app's tables with the tombstone.
- `register_subjects(fn)`: `fn(*, user)` -> `(subject type, id)` pairs of the member's own rows
  (memberships, payouts): the payloads of events filed under them are erased with the rest."""

import io
import json
import zipfile
from dataclasses import dataclass

from coop.core.csv import csv_text

SECTIONS = []
BLOCKERS = []
PREPARERS = []
ERASERS = []
SUBJECTS = []

TOMBSTONE = "[erased]"


@dataclass(frozen=True)
class Section:
    name: str
    fn: object
    note: str = ""


def register_section(name, fn, *, note=""):
    if name not in {s.name for s in SECTIONS}:
        SECTIONS.append(Section(name, fn, note))


def register_blocker(fn):
    if fn not in BLOCKERS:
        BLOCKERS.append(fn)


def register_preparer(fn):
    if fn not in PREPARERS:
        PREPARERS.append(fn)


def register_eraser(fn):
    if fn not in ERASERS:
        ERASERS.append(fn)


def register_subjects(fn):
    if fn not in SUBJECTS:
        SUBJECTS.append(fn)


def _cell(value):
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def csv_bytes(rows):
    """The rows as CSV through the project's one CSV writer (`coop.core.csv`: no cell can be
    a formula), with a header of every key seen."""
    columns = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    return csv_text(columns, ([_cell(row.get(c)) for c in columns] for row in rows)).encode("utf-8")


def _json_default(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def export_zip(*, user, readme, progress=None):
    """The member's data as ZIP bytes: each registered section as JSON and CSV, and a README.
    `progress(done, total)` is called after each section."""
    buffer = io.BytesIO()
    notes = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, section in enumerate(SECTIONS, start=1):
            rows = list(section.fn(user=user))
            archive.writestr(f"{section.name}.json", json.dumps(rows, ensure_ascii=False, indent=1,
                                                                default=_json_default, sort_keys=True))
            archive.writestr(f"{section.name}.csv", csv_bytes(rows))
            if section.note:
                notes.append(f"{section.name}: {section.note}")
            if progress is not None:
                progress(done, len(SECTIONS))
        archive.writestr("README.txt", readme + ("\n\n" + "\n\n".join(notes) if notes else "") + "\n")
    return buffer.getvalue()
