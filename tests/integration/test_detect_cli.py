"""``bastion detect`` end to end on a file with good and bad lines (real models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bastion.cli import main

GOOD_1 = (
    "Referral: Mr. Thomas Brennan, born 14 March 1962, of 45 Eccles Street, Dublin. "
    "Contact him at thomas.brennan@example.ie."
)
GOOD_2 = "Näïve café menu: soup, bread and 😀 desserts."


def _write_input(path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": GOOD_1}).encode(),
        b"this is not json",
        json.dumps({"id": "b"}).encode(),
        json.dumps({"text": "no id here"}).encode(),
        b'{"id": "c", "text": "bad \xff\xfe bytes"}',
        json.dumps({"id": "d", "text": 42}).encode(),
        json.dumps({"id": "e", "text": GOOD_2}, ensure_ascii=False).encode(),
        b"",
        json.dumps(["id", "text"]).encode(),
        json.dumps({"id": "f", "text": ""}).encode(),
        b'{"id": "g", "text": "lone \\ud800 surrogate"}',
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")


@pytest.mark.parametrize("backend", ["onnx", "openvino"])
def test_detect_cli_good_and_bad_lines(
    tmp_path: Path, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    dst = tmp_path / "out.jsonl"
    _write_input(src)
    code = main(["detect", "--input", str(src), "--output", str(dst), "--backend", backend])
    assert code == 2  # malformed lines without --keep-going: bad input...
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # ...in one line naming the first one
    assert f"{src} line 2: line is not valid JSON" in err and "8 input line(s)" in err
    assert "this is not json" not in err  # no content echoed
    out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert len(out) == 11
    ids = [o.get("id") for o in out]
    assert ids == ["a", None, "b", None, None, "d", "e", None, None, "f", "g"]
    errors = [i for i, o in enumerate(out) if "error" in o]
    assert errors == [1, 2, 3, 4, 5, 7, 8, 10]
    assert "UTF-8" in out[4]["error"]
    assert "bad" not in out[4]["error"]  # no content echoed

    first = out[0]
    assert set(first) == {"id", "entities", "category", "category_scores", "redacted_text"}
    types = {(e["type"], GOOD_1[e["start"] : e["end"]]) for e in first["entities"]}
    assert ("PERSON", "Thomas Brennan") in types
    assert any(t == "EMAIL_ADDRESS" and "thomas.brennan@example.ie" in v for t, v in types)
    assert "Thomas Brennan" not in first["redacted_text"]
    assert "<PERSON>" in first["redacted_text"]
    assert "<EMAIL_ADDRESS>" in first["redacted_text"]
    assert sum(first["category_scores"].values()) == pytest.approx(1.0, abs=1e-3)
    assert first["category"] == max(first["category_scores"], key=first["category_scores"].get)

    # code-point offsets: rebuilding the redaction from the entities gives the same text
    rebuilt, pos = [], 0
    for e in sorted(out[6]["entities"], key=lambda e: e["start"]):
        rebuilt += [GOOD_2[pos : e["start"]], f"<{e['type']}>"]
        pos = max(pos, e["end"])
    assert "".join([*rebuilt, GOOD_2[pos:]]) == out[6]["redacted_text"]
    assert out[9]["entities"] == [] and out[9]["redacted_text"] == ""

    # --keep-going: the same output, exit 0, the count on stderr
    kept = tmp_path / "kept.jsonl"
    args = ["detect", "--input", str(src), "--output", str(kept), "--backend", backend]
    assert main([*args, "--keep-going"]) == 0
    assert kept.read_bytes() == dst.read_bytes()
    assert "8 input line(s) rejected (" in capsys.readouterr().err


def test_detect_cli_all_good_lines_exit_0_with_nothing_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": GOOD_2}) + "\n")
    assert main(["detect", "--input", str(src), "--output", str(tmp_path / "o.jsonl")]) == 0
    assert capsys.readouterr().err == ""


def test_detect_cli_unwritable_output_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "hello"}\n')
    code = main(["detect", "--input", str(src), "--output", str(tmp_path / "no" / "out.jsonl")])
    assert code == 2
    assert "cannot read" in capsys.readouterr().err


def test_detect_cli_missing_input_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["detect", "--input", str(tmp_path / "nope.jsonl"), "--output", "x.jsonl"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err


def test_detect_cli_workers_give_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from agent.detect import cli as detect_cli

    monkeypatch.setattr(detect_cli, "BATCH_LINES", 3)  # several batches in flight at once
    src = tmp_path / "in.jsonl"
    _write_input(src)
    more = [json.dumps({"id": f"x{i}", "text": f"{GOOD_1} ({i})"}).encode() for i in range(9)]
    src.write_bytes(src.read_bytes() + b"\n".join(more) + b"\n")
    outputs = []
    for workers in ("1", "2"):
        dst = tmp_path / f"out{workers}.jsonl"
        args = ["detect", "--input", str(src), "--output", str(dst), "--backend", "openvino"]
        assert main([*args, "--workers", workers, "--keep-going"]) == 0
        assert "8 input line(s) rejected" in capsys.readouterr().err
        outputs.append(dst.read_bytes())
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == 20


@pytest.mark.parametrize("workers", ["0", "-2"])
def test_detect_cli_workers_below_one_is_one_line_exit_2(
    tmp_path: Path, workers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "hello"}\n')
    dst = tmp_path / "out.jsonl"
    code = main(["detect", "--input", str(src), "--output", str(dst), "--workers", workers])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--workers must be at least 1" in err
    assert not dst.exists()
