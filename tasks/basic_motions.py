"""Basic Motions: activity recognition from a smart watch (UEA archive, via the aeon wheel).

From the UEA multivariate time series classification archive (Bagnall et al. 2018, arXiv
1811.00075; UEA & UCR Time Series Classification Repository, Dau et al. 2019). Four students wore a
smart watch (3-D accelerometer + 3-D gyroscope, sampled at 10 Hz for 10 s) while standing, walking,
running and playing badminton, five times each: 6 channels, length 100, 4 classes, 40 training and
40 test cases. Task: the activity from the final step; metric: error rate. Splits and
normalisation: :mod:`tasks._uea` (validation = 20 % of the archive's training set, stratified:
32 / 8 / 40).
"""

from __future__ import annotations

from tasks._uea import UeaTask

__all__ = ["BasicMotionsTask"]


class BasicMotionsTask(UeaTask):
    """BasicMotions (UEA): 6 accelerometer/gyroscope channels, length 100, 4 classes; error rate."""

    name = "basic_motions"
    description = "BasicMotions (UEA): 4 activities from 6 watch IMU channels, length 100; error"
    problem = "BasicMotions"
    expected_cases = (40, 40)
    input_size = 6
    output_size = 4
