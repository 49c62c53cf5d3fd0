"""Comparing an answer with a gold task's expected answer (no database): only the fields the
expected answer sets are compared; texts ignore case and spaces, choices lists their order."""


def _norm(value):
    if isinstance(value, list):
        return sorted(str(v) for v in value) if not value or not isinstance(value[0], dict) else value
    if isinstance(value, str):
        return " ".join(value.lower().split())
    return str(value)


def gold_mismatches(*, expected, answers):
    """The names of the expected fields the answers got wrong (empty: correct)."""
    answers = answers or {}
    return [name for name, value in expected.items() if _norm(answers.get(name)) != _norm(value)]
