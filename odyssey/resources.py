"""Files the engine reads beside its code: the config schema and the report's template and prose.

They live in the repository's ``workflow/schemas/`` and ``report/`` folders, where their readers
look for them (``config/README.md``, the Snakefile, anyone editing the report). A wheel (a
non-editable install) has no repository around it, so it carries copies as package data:
``pyproject.toml`` maps the two folders onto ``odyssey/bundled/schemas`` and
``odyssey/bundled/report``. :func:`resource` returns the installed copy when there is one and the
checkout's file otherwise (the Snakefile, ``PYTHONPATH`` and editable installs read the checkout).
"""

from __future__ import annotations

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
"""The repository root when the package runs from a checkout."""

BUNDLED = Path(__file__).resolve().parent / "bundled"
"""Where a wheel installs its copies (absent in a checkout)."""

FOLDERS: dict[str, str] = {"workflow/schemas": "schemas", "report": "report"}
"""Repository folder -> its copy under :data:`BUNDLED` (the mapping of ``pyproject.toml``)."""


def resource(relative: str) -> Path:
    """The file at ``relative`` (a path from the repository root, e.g. ``report/odyssey.typ``)."""
    folder, _, name = relative.rpartition("/")
    if folder not in FOLDERS:
        raise ValueError(f"{relative!r} is not in a resource folder ({', '.join(FOLDERS)})")
    installed = BUNDLED / FOLDERS[folder] / name
    return installed if installed.is_file() else CHECKOUT / relative
