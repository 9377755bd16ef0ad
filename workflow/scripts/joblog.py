"""Send everything a pipeline job prints to its Snakemake log file.

Used by the thin scripts beside this file (Snakemake puts this folder on ``sys.path``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def redirect(path: str | os.PathLike[str]) -> Iterator[None]:
    """Write stdout, stderr and ``logging`` to ``path`` while the block runs.

    File descriptors 1 and 2 are redirected, so output of C extensions and child processes lands in
    the log too; an exception is logged with its traceback before it propagates.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "a", buffering=1, encoding="utf-8") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        try:
            yield
        except BaseException:
            logging.getLogger("odyssey.pipeline").exception("job failed")
            raise
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            root.removeHandler(handler)
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
