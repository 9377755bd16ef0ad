"""``python -m variants.compile_loops``: compile the cell loops into the cache.

``scripts/setup.sh`` runs it.

Prints the cached library's path, or one line naming what is missing and exits 1.
"""

from __future__ import annotations

import sys

from variants import native


def main() -> int:
    """Build (or find) the cached extension; one line either way."""
    try:
        path = native.build()
    except (native.ToolchainMissing, RuntimeError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"compiled cell loops: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
