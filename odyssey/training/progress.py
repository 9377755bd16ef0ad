"""Progress display of trials and sweeps: a live line on a terminal, quiet log lines otherwise.

On a TTY the current epoch of the running trial is redrawn on one line (carriage return) and each
finished trial leaves one line. When stdout is not a terminal (Snakemake jobs, cluster logs), only
one log line per finished trial is written through :mod:`logging` (logger ``odyssey``).
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

LOG = logging.getLogger("odyssey")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


class Progress:
    """Progress of one worker or one ``odyssey train`` run."""

    def __init__(self, prefix: str = "", *, stream: TextIO | None = None, tty: bool | None = None):
        self.prefix = prefix
        self.stream = stream if stream is not None else sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self._width = 0

    def _draw(self, text: str, final: bool) -> None:
        pad = " " * max(0, self._width - len(text))
        self.stream.write("\r" + text + pad + ("\n" if final else ""))
        self.stream.flush()
        self._width = 0 if final else len(text)

    def epoch(self, label: str, result: Any) -> None:
        """Redraw the live line after an epoch (an :class:`odyssey.training.trial.EpochResult`)."""
        if not self.tty:
            return
        text = (
            f"{self.prefix} {label}: epoch {result.epoch}/{result.max_epochs} "
            f"train {_fmt(result.train_loss)} valid {_fmt(result.valid_metric)} "
            f"best {_fmt(result.best_valid_metric)}@{result.best_epoch} "
            f"[{result.elapsed_s:.0f}s]"
        )
        self._draw(text.strip(), final=False)

    def trial_done(self, label: str, record: Any) -> None:
        """One line for a finished trial (an :class:`odyssey.training.trial.TrialRecord`)."""
        text = (
            f"{self.prefix} {label}: {record.metric_name} valid {_fmt(record.valid_metric)} "
            f"test {_fmt(record.test_metric)} at best epoch {record.best_epoch} of {record.epochs} "
            f"({record.stop_reason}, {record.wall_time_s:.1f}s)"
        ).strip()
        if self.tty:
            self._draw(text, final=True)
        else:
            LOG.info("%s", text)

    def note(self, text: str) -> None:
        """A one-off message (study complete, waiting for other workers...)."""
        text = f"{self.prefix} {text}".strip() if not text.startswith(self.prefix) else text
        if self.tty:
            self._draw(text, final=True)
        else:
            LOG.info("%s", text)
