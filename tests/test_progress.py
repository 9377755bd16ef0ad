"""Tests of odyssey.training.progress: live line on a terminal, log lines otherwise."""

from __future__ import annotations

import io
import logging

from odyssey.training.progress import Progress
from odyssey.training.trial import EpochResult


class _Record:
    metric_name, valid_metric, test_metric = "mse", 0.125, 0.25
    best_epoch, epochs, stop_reason, wall_time_s = 3, 5, "early_stop", 1.5


def _epoch(epoch: int) -> EpochResult:
    return EpochResult(epoch, 0.5, 0.25, {"mse": 0.25}, 1, 0.2, 3.0, 150)


def test_tty_redraws_one_line_then_ends_it() -> None:
    out = io.StringIO()
    progress = Progress("adding/V", stream=out, tty=True)
    progress.epoch("trial 1", _epoch(1))
    progress.epoch("trial 1", _epoch(2))
    progress.trial_done("trial 1", _Record())
    text = out.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "epoch 2/150" in text and "(early_stop, 1.5s)" in text


def test_no_tty_writes_only_log_lines(caplog) -> None:
    out = io.StringIO()
    progress = Progress("adding/V", stream=out, tty=False)
    with caplog.at_level(logging.INFO, logger="odyssey"):
        progress.epoch("trial 1", _epoch(1))
        progress.trial_done("trial 1", _Record())
        progress.note("study complete")
    assert out.getvalue() == ""
    assert [r.getMessage() for r in caplog.records][-1] == "adding/V study complete"
    assert "mse valid 0.125 test 0.25 at best epoch 3 of 5" in caplog.records[0].getMessage()
