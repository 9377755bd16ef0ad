"""Japanese Vowels: speaker identification from LPC cepstra (UEA/UCR archive, via the aeon wheel).

Kudo, Toyama & Shimbo (1999), "Multidimensional curve classification using passing-through
regions", Pattern Recognition Letters 20(11-13); distributed by the UCI repository and the UEA & UCR
Time Series Classification Repository (Bagnall et al. 2018; Dau et al. 2019). Nine male speakers
utter the Japanese vowels /ae/; every frame holds 12 LPC cepstrum coefficients. 270 training cases
(30 per speaker) and 370 test cases, lengths 7-29 frames. Task: the speaker (9 classes) from the
final step; metric: error rate. Splits and normalisation: :mod:`tasks._uea` (validation = 20 % of
the archive's training set, stratified: 216 / 54 / 370).
"""

from __future__ import annotations

from tasks._uea import UeaTask

__all__ = ["JapaneseVowelsTask"]


class JapaneseVowelsTask(UeaTask):
    """JapaneseVowels (UEA): 12 LPC channels, variable length 7-29, 9 speakers; error rate."""

    name = "japanese_vowels"
    description = "JapaneseVowels (UEA/UCR): 9 speakers from 12 LPC cepstra, lengths 7-29; error"
    problem = "JapaneseVowels"
    expected_cases = (270, 370)
    input_size = 12
    output_size = 9
