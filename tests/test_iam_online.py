"""Tests of tasks/iam_online.py on a tiny IAM-OnDB-layout corpus (stroke XML, CSR transcriptions,
t1 task lists) built in tmp_path; the real database needs a registration and is never needed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import tasks
from tasks import iam_online as iam
from tasks.base import DataError

# stroke 1: 5 points, stroke 2: 3 points (x, y, time)
STROKES = [
    [(0, 0, 100.0), (1, 2, 100.1), (3, 3, 100.2), (4, 5, 100.3), (6, 6, 100.4)],
    [(10, 0, 101.0), (11, 1, 101.1), (12, 1, 101.2)],
]


def stroke_xml(strokes: list[list[tuple[float, float, float]]]) -> str:
    body = "".join(
        '<Stroke colour="black">'
        + "".join(f'<Point x="{x}" y="{y}" time="{t}"/>' for x, y, t in s)
        + "</Stroke>"
        for s in strokes
    )
    return (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<WhiteboardCaptureSession>'
        f"<WhiteboardDescription/><StrokeSet>{body}</StrokeSet></WhiteboardCaptureSession>"
    )


def add_form(root: Path, form: str, lines: list[str], strokes_per_line: list) -> None:
    strokes_dir = root / "lineStrokes" / form[:3] / form[:7]
    strokes_dir.mkdir(parents=True, exist_ok=True)
    for i, strokes in enumerate(strokes_per_line, start=1):
        (strokes_dir / f"{form}-{i:02d}.xml").write_text(stroke_xml(strokes))
    ascii_dir = root / "ascii" / form[:3] / form[:7]
    ascii_dir.mkdir(parents=True, exist_ok=True)
    text = "OCR:\n\nsomething else\n\nCSR:\n\n" + "\n".join(lines) + "\n"
    (ascii_dir / f"{form}.txt").write_text(text, encoding="latin-1")


def build_corpus(root: Path) -> Path:
    add_form(root, "a01-000u", ["Hi there", "ab"], [STROKES, STROKES[:1]])
    add_form(root, "a01-001w", ["x%y"], [STROKES])  # '%' is not among the 81 characters
    add_form(root, "b02-010", ["ok."], [STROKES[1:]])
    add_form(root, "c03-020z", ["A1"], [STROKES])
    add_form(root, "a08-551z", ["%%%%"], [STROKES])  # the removed board
    (root / "trainset.txt").write_text("a01-000u\na01-001w\n")
    (root / "testset_v.txt").write_text("b02-010\n")
    (root / "testset_t.txt").write_text("a08-551z\n")
    (root / "testset_f.txt").write_text("c03-020z\n")
    return root


def test_features_of_known_strokes() -> None:
    feats = iam.line_features([np.array(s, dtype=np.float64) for s in STROKES])
    # kept points: stroke 1 -> 0, 2, 4; stroke 2 -> 0, 2 (its last point)
    expected = [
        [0, 0, 0.0, 0],
        [3, 3, 0.2, 0],
        [3, 3, 0.4, 1],
        [4, -6, 0.0, 0],
        [2, 1, 0.2, 1],
    ]
    np.testing.assert_allclose(feats, expected, atol=1e-9)
    four = np.array([(0, 0, 0.0), (1, 0, 0.1), (2, 0, 0.2), (3, 0, 0.3)])
    assert iam.line_features([four])[:, 3].tolist() == [0, 0, 1]  # points 0, 2 and the last


def test_characters_and_encoding() -> None:
    assert len(iam.CHARACTERS) == len(set(iam.CHARACTERS)) == 81
    labels, dropped = iam.encode_text("aZ 9?%")
    assert labels.tolist() == [1, 52, 63, 62, 81] and dropped == 1


def test_task_on_tiny_corpus(tmp_path: Path) -> None:
    root = build_corpus(tmp_path / "iam")
    task = tasks.get("iam_online", data_path=root, cache_dir=tmp_path / "c", expected_sizes=None)
    assert (task.input_size, task.output_size, task.output_kind) == (4, 82, "ctc")
    assert task.bidirectional and task.metric_name == "cer"
    sizes = {s: len(task.split(s)) for s in ("train", "valid", "test")}
    assert sizes == {"train": 3, "valid": 1, "test": 1}  # a08-551z removed from valid
    first = task.split("train")[0]  # a01-000u-01: "Hi there"
    assert first.x.shape == (5, 4)
    assert "".join(iam.CHARACTERS[k - 1] for k in first.y) == "Hi there"
    assert task.split("train")[2].y.tolist() == [iam.CHAR_INDEX[c] for c in "xy"]
    assert task.info()["dropped_chars"] == 1
    x = np.concatenate([e.x for e in task.split("train")])
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-5)
    raw = iam.IamOnlineTask(
        data_path=root, cache_dir=tmp_path / "c", expected_sizes=None, normalize=False
    )
    np.testing.assert_allclose(raw.split("test")[0].x[:, 3], [0, 0, 1, 0, 1])
    assert len(list((tmp_path / "c").iterdir())) == 1  # one cache file, reused


def test_cer_with_best_path_decoding(tmp_path: Path) -> None:
    root = build_corpus(tmp_path / "iam")
    task = iam.IamOnlineTask(data_path=root, cache_dir=tmp_path / "c", expected_sizes=None)
    batch = task.collate([task.split("valid")[0]])  # "ok." over 2 points
    assert batch.y[0].tolist() == [iam.CHAR_INDEX[c] for c in "ok."]
    logits = torch.zeros(1, 2, 82)
    logits[0, 0, iam.CHAR_INDEX["o"]] = 5.0
    logits[0, 1, iam.CHAR_INDEX["k"]] = 5.0  # decodes "ok": one deletion out of 3 characters
    num, den = task.score(logits, batch)["cer"]
    assert (num, den) == (1.0, 3.0)
    assert torch.isfinite(task.loss(torch.randn(1, 2, 82), batch))


def test_absent_and_incomplete_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ODYSSEY_IAM_ONDB", raising=False)
    with pytest.raises(DataError, match="registration") as err:
        iam.IamOnlineTask(cache_dir=tmp_path).split("train")
    assert "\n" not in str(err.value)
    root = build_corpus(tmp_path / "iam")
    with pytest.raises(DataError, match="expected"):
        iam.IamOnlineTask(data_path=root, cache_dir=tmp_path / "c").split("train")
    assert not (tmp_path / "c").exists() or not list((tmp_path / "c").iterdir())
    (root / "testset_f.txt").unlink()
    with pytest.raises(DataError, match="testset_f.txt"):
        iam.IamOnlineTask(data_path=root, cache_dir=tmp_path / "d", expected_sizes=None).split(
            "test"
        )
    (root / "lineStrokes/a01/a01-000/a01-000u-01.xml").write_text("<broken")
    with pytest.raises(DataError, match="unreadable"):
        iam.read_strokes(root / "lineStrokes/a01/a01-000/a01-000u-01.xml")
