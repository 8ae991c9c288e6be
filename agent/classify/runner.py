"""The backend-independent half of a section model: windowing, batching, stitching.

A backend only supplies ``run(batch) -> (token_logits, category_logits)``. Texts are
tokenized once, cut into overlapping windows, the windows of all texts are sorted by
length and batched under a token budget (little padding), and the outputs are stitched
back per text.

When a call needs several model batches, they run one after another on a thread of the
model's own, and each text is decoded as soon as its last window is back: the runtimes
release the GIL, so decoding (Python) overlaps the next batch's inference instead of
waiting for the last one.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import closing

import numpy as np
from tokenizers import Tokenizer

from agent.classify.base import ModelResult
from agent.classify.decode import FloatArray, decode_entities, softmax
from agent.classify.features import (
    Batch,
    Encoded,
    encode_many,
    make_batch,
    padded_width,
    window_bounds,
)
from agent.classify.manifest import LabelMap
from agent.domain import Category
from bastion.errors import ModelError

RunFn = Callable[[Batch], tuple[FloatArray, FloatArray]]

#: padded tokens per model call; 16 windows of 128 tokens. The runtimes' cost is per padded
#: token, not per call: a smaller budget groups windows of closer lengths, so less padding
#: (measured on the benchmark's 400 sections in calls of 64: 4096 -> 2048 cut the padded
#: tokens by 9% and the model's time by ~12%)
TOKEN_BUDGET = 2048
#: batch widths are rounded up to a multiple of this (see ``make_batch``)
PAD_MULTIPLE = 16


class WindowedModel:
    """``SectionModel`` over any backend's ``run`` function."""

    def __init__(self, tokenizer: Tokenizer, labels: LabelMap, run: RunFn, version: str) -> None:
        self.version = version
        self._tokenizer = tokenizer
        self._labels = labels
        self._run = run
        self._inference_thread = ThreadPoolExecutor(1, thread_name_prefix="bastion-model")
        try:
            self._categories = [Category(c) for c in labels.categories]
        except ValueError as exc:
            raise ModelError("label map names an unknown category") from exc
        bias = labels.category_bias
        self._cat_bias = np.asarray(bias, dtype=np.float32) if bias else np.float32(0.0)

    def infer(self, texts: Sequence[str]) -> list[ModelResult]:
        results: list[ModelResult | None] = [None] * len(texts)
        for i, result in self.infer_each(texts):
            results[i] = result
        done = [r for r in results if r is not None]
        if len(done) != len(texts):
            raise ModelError("a text got no model result")
        return done

    def infer_each(self, texts: Sequence[str]) -> Generator[tuple[int, ModelResult], None, None]:
        try:
            yield from self._infer_each(texts)
        except ModelError:
            raise
        except Exception as exc:  # fail closed, without echoing any text
            raise ModelError(f"model inference failed ({type(exc).__name__})") from exc

    def _infer_each(self, texts: Sequence[str]) -> Generator[tuple[int, ModelResult], None, None]:
        encoded = encode_many(self._tokenizer, texts)
        plan = batches(encoded, self._labels)
        n_labels = len(self._labels.token_labels)
        windows_left = [0] * len(texts)
        for group, _ in plan:
            for i, _, _ in group:
                windows_left[i] += 1
        n_windows = windows_left.copy()
        # a text of several windows sums their outputs here (most texts have one window:
        # its output is used as it is)
        probs: dict[int, FloatArray] = {}
        counts: dict[int, FloatArray] = {}
        cat_sum: dict[int, FloatArray] = {}
        for i, left in enumerate(windows_left):
            if left > 1:
                probs[i] = np.zeros((len(encoded[i]), n_labels), dtype=np.float32)
                counts[i] = np.zeros(len(encoded[i]), dtype=np.float32)
                cat_sum[i] = np.zeros(len(self._categories), dtype=np.float32)
        with closing(self._outputs(plan)) as outputs:
            for group, (tok_logits, cat_logits) in outputs:
                tok_probs = softmax(tok_logits.astype(np.float32))
                for r, (i, a, b) in enumerate(group):
                    window_probs = tok_probs[r, 1 : b - a + 1]
                    if i not in probs:  # the text's only window
                        cat_probs = softmax(cat_logits[r] + self._cat_bias)
                        yield i, self._result(texts[i], encoded[i], window_probs, cat_probs)
                        continue
                    probs[i][a:b] += window_probs
                    counts[i][a:b] += 1.0
                    cat_sum[i] += cat_logits[r]
                    windows_left[i] -= 1
                    if windows_left[i] == 0:
                        token_probs = probs.pop(i) / counts.pop(i)[:, None]
                        mean = cat_sum.pop(i) / np.float32(n_windows[i])
                        cat_probs = softmax(mean + self._cat_bias)
                        yield i, self._result(texts[i], encoded[i], token_probs, cat_probs)

    def _outputs(
        self, plan: list[tuple[list[Window], Batch]]
    ) -> Generator[tuple[list[Window], tuple[FloatArray, FloatArray]], None, None]:
        """Each group with its model outputs, in plan order; with several batches, the
        next one is already running while the caller stitches and decodes this one."""
        if len(plan) == 1:
            group, batch = plan[0]
            yield group, self._run(batch)
            return
        pending: list[Future[tuple[FloatArray, FloatArray]]] = [
            self._inference_thread.submit(self._run, batch) for _, batch in plan
        ]
        try:
            for (group, _), future in zip(plan, pending, strict=True):
                yield group, future.result()
        finally:  # on an error (or an abandoned generator) no batch outlives the call
            for future in pending:
                future.cancel()
            wait(pending)

    def _result(
        self, text: str, enc: Encoded, token_probs: FloatArray, cat_probs: FloatArray
    ) -> ModelResult:
        entities = decode_entities(
            text,
            enc,
            token_probs,
            self._labels.token_labels,
            self._labels.threshold,
            self._labels.extend_at,
        )
        scores = {c: float(cat_probs[k]) for k, c in enumerate(self._categories)}
        return ModelResult(category_scores=scores, entities=tuple(entities))


Window = tuple[int, int, int]  # (text index, token start, token end)


def batches(encoded: Sequence[Encoded], labels: LabelMap) -> list[tuple[list[Window], Batch]]:
    """The model inputs for ``encoded`` texts: their windows, grouped and padded.

    The benchmark's raw-model baseline calls this too, so it times exactly the batches
    the engine runs."""
    windows = [
        (i, a, b)
        for i, enc in enumerate(encoded)
        for a, b in window_bounds(len(enc), labels.window_tokens, labels.window_overlap)
    ]
    out: list[tuple[list[Window], Batch]] = []
    for group in _groups(windows):
        batch = make_batch(
            [(encoded[i].ids[a:b], encoded[i].cases[a:b]) for i, a, b in group],
            multiple=PAD_MULTIPLE,
        )
        if not labels.case_features:
            batch.case_ids[:] = 0
        out.append((group, batch))
    return out


def _groups(windows: list[Window]) -> list[list[Window]]:
    """Windows sorted by length, grouped so that each padded batch stays in budget."""
    ordered = sorted(windows, key=lambda w: w[2] - w[1])
    groups: list[list[tuple[int, int, int]]] = []
    current: list[tuple[int, int, int]] = []
    for w in ordered:
        width = padded_width(w[2] - w[1], PAD_MULTIPLE)
        if current and width * (len(current) + 1) > TOKEN_BUDGET:
            groups.append(current)
            current = []
        current.append(w)
    if current:
        groups.append(current)
    return groups
