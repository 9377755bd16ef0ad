"""Tests of tasks/japanese_vowels.py on the archive files of the pinned aeon wheel
(skipped where pip cannot fetch it)."""

from __future__ import annotations

from test_uea import check_archive_task  # tests/ is on sys.path under pytest


def test_archive_sizes_shapes_and_lengths() -> None:
    check_archive_task("japanese_vowels", (216, 54, 370), (12, 9), (7, 29))
