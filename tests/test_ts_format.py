"""Tests of tasks.ts_format on small hand-written `.ts` texts."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.ts_format import TsFormatError, parse_ts, read_ts

MULTI = """# a comment line
@problemName Toy
@timeStamps false
@missing true
@univariate false
@dimensions 2
@equalLength false
@classLabel true a b
@data
1,2,3:4,5,6:a
0.5,?:-1e1,2.5:b

7:8:a
"""


def test_multivariate_variable_length_with_missing() -> None:
    data = parse_ts(MULTI)
    assert data.class_labels == ["a", "b"]
    assert data.labels == ["a", "b", "a"]
    assert data.n_channels == 2
    assert data.lengths().tolist() == [3, 2, 1]
    np.testing.assert_array_equal(data.series[0], [[1, 4], [2, 5], [3, 6]])
    assert np.isnan(data.series[1][1, 0])
    assert data.series[1][0, 1] == -10.0
    assert data.series[1][1, 1] == 2.5
    assert data.header["problemname"] == "Toy"


def test_univariate_and_file(tmp_path) -> None:
    text = "@problemName U\n@univariate true\n@classLabel true 1 10\n@data\n1,2:10\n3,4,5:1\n"
    path = tmp_path / "u.ts"
    path.write_text(text, encoding="utf-8")
    data = read_ts(path)
    assert data.labels == ["10", "1"]
    assert data.series[1].shape == (3, 1)


def test_unlabelled_file() -> None:
    data = parse_ts("@classLabel false\n@data\n1,2:3,4\n")
    assert data.labels == [] and data.series[0].shape == (2, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@classLabel true a\n@data\n1,2:c\n", "not declared"),
        ("@classLabel true a\n@data\n1,x:a\n", "not a number"),
        ("@classLabel true a\n@data\n1,2:3,4:a\n1,2:a\n", "earlier cases had 2"),
        ("@classLabel true a\n@data\n1,2:3:a\n", "differ in length"),
        ("@timeStamps true\n@data\n", "not supported"),
        ("@dimensions 3\n@classLabel true a\n@data\n1:2:a\n", "@dimensions"),
        ("1,2,3\n", "header"),
        ("@problemName x\n", "no @data"),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(TsFormatError, match=message):
        parse_ts(text)
