"""The benchmark's scoring: matching, leak rates, categories and the docs rewrite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bench.detect_bench as bench
from bench.detect_bench import Prediction, agreement, evaluate, iou, match_strict, normalise, redact
from models.datagen import Sample, generate


def _sample(text: str, spans: tuple[tuple[int, int, str], ...], category: str = "hr") -> Sample:
    return Sample(id="s", text=text, spans=spans, category=category, kind="t", locale="en_GB")


def test_iou_and_one_to_one_matching() -> None:
    assert iou((0, 10, "PERSON"), (5, 15, "PERSON")) == pytest.approx(5 / 15)
    assert iou((0, 4, "PERSON"), (4, 8, "PERSON")) == 0.0
    gold = [(0, 8, "PERSON"), (10, 20, "EMAIL_ADDRESS")]
    pred = [(0, 8, "PERSON"), (1, 8, "PERSON"), (10, 20, "PERSON")]
    mg, mp = match_strict(gold, pred)
    assert mg == {0} and mp == {0}  # wrong type never matches; a duplicate matches once


def test_perfect_predictions_score_one_and_leak_nothing() -> None:
    samples = generate("test", 40, 3)
    preds = [Prediction(list(s.spans), s.category) for s in samples]
    m = evaluate(samples, preds)
    assert m["strict"]["f1"] == 1.0 and m["any"]["r"] == 1.0
    assert m["leak_chars"] == 0.0
    # value leak is an upper bound: a short value can recur by coincidence ("June" the
    # person and "12 June" the date), so even perfect predictions may score slightly above 0
    assert m["leak_values"] < 0.01
    assert m["category"]["accuracy"] == 1.0 and m["category"]["macro_f1"] == 1.0


def test_missed_and_partial_spans_leak() -> None:
    text = "Jane Doe lives at 1 High St; call Jane Doe on 0207 946 0000."
    s = _sample(text, ((0, 8, "PERSON"), (34, 42, "PERSON"), (46, 59, "PHONE_NUMBER")))
    # first name found, the second mention missed, the phone only half covered
    m = evaluate([s], [Prediction([(0, 8, "PERSON"), (46, 50, "PHONE_NUMBER")], "hr")])
    assert m["strict"]["r"] == pytest.approx(1 / 3)
    assert m["any"]["r"] == pytest.approx(2 / 3)
    # both mentions count as leaked values: the name is still in the redacted text
    assert m["leak_values"] == pytest.approx(2 / 3)
    assert 0 < m["leak_chars"] < 1
    assert m["leak"] == max(m["leak_chars"], m["leak_values"])


def test_wrong_type_overlap_counts_for_any_overlap_not_strict() -> None:
    s = _sample("Contact jane@example.com today please", ((8, 24, "EMAIL_ADDRESS"),))
    m = evaluate([s], [Prediction([(8, 24, "PERSON")], "public")])
    assert m["strict"]["r"] == 0.0 and m["any"]["r"] == 1.0 and m["leak"] == 0.0
    assert m["category"]["accuracy"] == 0.0


def test_normalise_folds_obfuscation() -> None:
    assert normalise("DE89\u200b 3704\n0044") == normalise("de89 3704 0044")
    assert normalise("\uff10\uff17\uff17") == " 077 "
    assert normalise("jane [at] example [dot] com") == " jane at example dot com "


def test_redact_merges_overlaps() -> None:
    assert redact("abcdefghij", [(0, 4, "A"), (2, 6, "B"), (8, 10, "C")]) == "<A>gh<C>"


def test_agreement_is_dice_over_strict_matches() -> None:
    a = [Prediction([(0, 4, "PERSON"), (6, 9, "IP_ADDRESS")])]
    b = [Prediction([(0, 4, "PERSON")])]
    assert agreement(a, b) == pytest.approx(2 / 3)
    assert agreement(a, a) == 1.0


def test_write_docs_replaces_only_the_detection_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "benchmarks.md"
    monkeypatch.setattr(bench, "DOCS", docs)
    bench.write_docs("first")
    assert bench.BEGIN in docs.read_text() and "first" in docs.read_text()
    docs.write_text("# Benchmarks\n\n## Audit\nkeep me\n\n" + docs.read_text().split("\n\n", 1)[1])
    bench.write_docs("second")
    text = docs.read_text()
    assert "keep me" in text and "second" in text and "first" not in text
    assert text.count(bench.BEGIN) == 1


def test_benchmark_runs_end_to_end_on_patterns(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    code = bench.main(
        ["--n", "14", "--only", "patterns", "--no-docs", "--repeat", "1", "--json", str(out)]
    )
    assert code == 0
    result = json.loads(out.read_text())
    assert set(result) == {"patterns"}
    m = result["patterns"]["metrics"]
    assert 0 < m["strict"]["p"] <= 1 and 0 < m["any"]["r"] <= 1
    assert result["patterns"]["sections_per_s"] > 0


def test_presidio_runs_offline_and_maps_types() -> None:
    """In-process (the two-process run is exercised by the benchmark itself)."""
    pytest.importorskip("presidio_analyzer")
    engine = bench._presidio_engine()
    texts = [
        "Please write to jane.doe@example.com about the invoice.",
        "Call Mr John Smith on +44 20 7946 0958 tomorrow.",
        "The server 10.1.2.3 rebooted.",
    ]
    types = [{t for _, _, t in bench._presidio_spans(engine, t)} for t in texts]
    assert "EMAIL_ADDRESS" in types[0]
    assert "PERSON" in types[1]
    assert "IP_ADDRESS" in types[2]
    assert all(t in bench.PRESIDIO_MAP.values() for ts in types for t in ts)


def test_shard_and_unshard_keep_input_order() -> None:
    texts = [f"t{i}" for i in range(7)]
    parts = bench.shard(texts, 2)
    assert parts == [["t0", "t2", "t4", "t6"], ["t1", "t3", "t5"]]
    results = [[[(0, 1, t)] for t in part] for part in parts]  # each text "finds" itself
    back = bench.unshard(results, len(texts))
    assert [spans[0][2] for spans in back] == texts


def test_multi_process_engines_compare_with_the_multi_process_raw_model() -> None:
    def run(name: str, seconds: float) -> bench.SystemRun:
        return bench.SystemRun(name, None, seconds, 1000, 10)

    runs = {
        n: run(n, s)
        for n, s in (
            ("bastion-openvino-int8", 2.0),
            ("raw-int8-openvino", 1.0),
            ("bastion-openvino-int8 (2 procs)", 1.5),
            ("raw-int8-openvino (2 procs)", 1.25),
            ("presidio (2 procs)", 30.0),
        )
    }
    assert bench.split_procs("raw-int8-openvino (2 procs)") == ("raw-int8-openvino", " (2 procs)")
    assert bench.split_procs("bastion-onnx-int8") == ("bastion-onnx-int8", "")
    assert bench.raw_for("bastion-openvino-int8", runs) is runs["raw-int8-openvino"]
    multi = "bastion-openvino-int8 (2 procs)"
    assert bench.raw_for(multi, runs) is runs["raw-int8-openvino (2 procs)"]
    runs["bastion-openvino-int8"].metrics = {
        "any": {"r": 1.0},
        "leak": 0.0,
        "strict": {"p": 1.0},
    }
    lines = bench.target_lines(runs, None, {"openvino": 1.1})
    assert any("openvino-int8 (2 procs): 20.0x" in line for line in lines)
    assert any("openvino-int8 (2 procs): 1.20x (best passes) | met" in line for line in lines)
    assert any("openvino-int8: 1.10x (paired)" in line for line in lines)
    runs["bastion-openvino-int8"].metrics = {}
    row = bench.summary_table(runs, runs["presidio (2 procs)"]).split("\n")[4]
    assert row.startswith(f"| {multi} |") and row.endswith("| 20.0x | 1.20x |")


def test_benchmark_runs_the_two_process_engine_and_raw_model(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    only = "bastion-openvino-int8 (2 procs),raw-int8-openvino (2 procs)"
    args = ["--n", "6", "--only", only, "--no-docs", "--repeat", "1", "--json", str(out)]
    assert bench.main(args) == 0
    result = json.loads(out.read_text())
    assert set(result) == set(only.split(","))
    assert result["bastion-openvino-int8 (2 procs)"]["metrics"]["strict"]["n_pred"] > 0
    assert result["raw-int8-openvino (2 procs)"]["metrics"] == {}
    assert all(r["sections_per_s"] > 0 for r in result.values())


def test_downgrade_rate_counts_only_less_strict_predictions() -> None:
    gold = ["privileged", "hr", "public", "financial_personal", "health"]
    pred = ["hr", "privileged", "internal", "hr", "health"]
    cat = bench.category_metrics(gold, pred)
    # privileged -> hr is a downgrade; hr -> privileged, public -> internal and
    # financial_personal -> hr are stricter than the truth
    assert cat["downgrade_rate"] == pytest.approx(1 / 5)
    assert cat["downgrades"] == [("privileged->hr", 1)]
    assert cat["public_recall"] == 0.0
    assert cat["per_category_recall"]["health"] == 1.0
    assert bench.downgraded("health", "public") and not bench.downgraded("public", "health")


def test_gold_file_round_trip_and_bad_line(tmp_path: Path) -> None:
    samples = generate("dev", 5, 1)
    good = tmp_path / "mine.gold.jsonl"
    good.write_text("".join(json.dumps(s.to_json()) + "\n" for s in samples), encoding="utf-8")
    assert bench.load_gold(good) == samples
    assert bench.gold_set_name(good) == "mine"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "t"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:1"):
        bench.load_gold(bad)


def test_round2_targets_hold_only_on_every_set() -> None:
    samples = generate("test", 20, 3)
    perfect = evaluate(samples, [Prediction(list(s.spans), s.category) for s in samples])
    public_missed = evaluate(
        samples,
        [
            Prediction(list(s.spans), "internal" if s.category == "public" else s.category)
            for s in samples
        ],
    )
    lines = bench.round2_target_lines(
        "e", [perfect], {"a": {"e": perfect}, "b": {"e": public_missed}}
    )
    status = {line.split(" | ")[0].lstrip("| "): line.rsplit(" | ", 1)[1] for line in lines[2:]}
    assert status["precision (strict)"] == "met |"
    assert status["public recall"] == "**missed** |"
    assert status["downgrade rate"] == "met |"  # public -> internal is stricter, not looser
