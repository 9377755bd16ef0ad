"""Pickup Gesture (Wiimote, z axis): gesture recognition (UCR archive, via the aeon wheel).

PickupGestureWiimoteZ of the UCR time series archive (Dau et al. 2019, IEEE/CAA J. Autom. Sinica
6(6); UEA & UCR Time Series Classification Repository), made from the Wiimote gesture recordings
of Guna et al. (2014): ten subjects performed ten gestures (pick-up, shake, move right/left/up/down,
circle left/right, move toward/away from the screen) with a Nintendo Wiimote; the series is the
z-axis acceleration. 1 channel, variable length (29-361), 10 classes, 50 training and 50 test
cases. The nearest to handwriting that ships offline (pen-like trajectories, variable lengths).
Task: the gesture from the final step; metric: error rate. Splits and normalisation:
:mod:`tasks._uea` (validation = 20 % of the archive's training set, stratified: 40 / 10 / 50).
"""

from __future__ import annotations

from tasks._uea import UeaTask

__all__ = ["PickupGestureTask"]


class PickupGestureTask(UeaTask):
    """PickupGestureWiimoteZ (UCR): 1 channel, lengths 29-361, 10 gestures; error rate."""

    name = "pickup_gesture"
    description = (
        "PickupGestureWiimoteZ (UCR): 10 Wiimote gestures, 1 channel, lengths 29-361; error"
    )
    problem = "PickupGestureWiimoteZ"
    expected_cases = (50, 50)
    input_size = 1
    output_size = 10
