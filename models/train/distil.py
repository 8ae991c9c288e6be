"""Distillation: a smaller student learns the fine-tuned teacher's output distribution.

The shipped student keeps 2 of MiniLM's layers with their feed-forward blocks pruned
(``prune_ffn``). Trained on the hard labels alone it lost recall against the unpruned
2-layer model; here it also matches the teacher's softened token and category
distributions (Hinton et al.: temperature ``T``, loss scaled by ``T**2``), which carry
what the teacher learned about near-misses (a surname that is also a word, an
organisation named after a place).

The teacher is a previous build's INT8 ONNX artifact (``bastion models build --ffn 1536
--out DIR``, itself deterministic), run with ONNX Runtime on exactly the training windows.

Filtered: a token (or a window's category) whose teacher argmax disagrees with the gold
label gets no soft loss, only the hard one. The teacher was trained on older data and
reads, say, a product name as an organisation; distilling that would teach the student
the teacher's mistake on exactly the examples added to correct it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import torch
from torch.nn import functional as F

from agent.classify.decode import FloatArray
from agent.classify.features import make_batch
from agent.classify.runner import RunFn
from models.train.data import Window

TEMPERATURE = 2.0
#: weight of the soft (teacher) loss next to the hard-label loss
SOFT_WEIGHT = 1.0
_TEACHER_BATCH = 32


def with_teacher(windows: Sequence[Window], run: RunFn) -> list[Window]:
    """``windows`` with the teacher's logits attached (same order)."""
    order = sorted(range(len(windows)), key=lambda i: (len(windows[i].ids), i))
    out: list[Window | None] = [None] * len(windows)
    for k in range(0, len(order), _TEACHER_BATCH):
        idx = order[k : k + _TEACHER_BATCH]
        batch = make_batch([(windows[i].ids, windows[i].cases) for i in idx])
        tok, cat = run(batch)
        for r, i in enumerate(idx):
            n = len(windows[i].ids)
            out[i] = dataclasses.replace(
                windows[i],
                teacher_tokens=np.ascontiguousarray(tok[r, 1 : n + 1], dtype=np.float32),
                teacher_category=np.asarray(cat[r], dtype=np.float32),
            )
    return [w for w in out if w is not None]


def teacher_tensors(batch: Sequence[Window], width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded teacher token logits ``[B, width, L]`` (zeros off the tokens) and category
    logits ``[B, C]`` for a batch laid out as ``to_tensors`` lays it out."""
    tokens: list[FloatArray] = []
    categories: list[FloatArray] = []
    for w in batch:
        if w.teacher_tokens is None or w.teacher_category is None:
            raise ValueError("every window of a distilled batch needs the teacher's logits")
        tokens.append(w.teacher_tokens)
        categories.append(w.teacher_category)
    tok = np.zeros((len(batch), width, tokens[0].shape[1]), dtype=np.float32)
    for r, t in enumerate(tokens):
        tok[r, 1 : len(t) + 1] = t
    return torch.from_numpy(tok), torch.from_numpy(np.stack(categories))


def soft_loss(
    student_tok: torch.Tensor,
    student_cat: torch.Tensor,
    teacher_tok: torch.Tensor,
    teacher_cat: torch.Tensor,
    token_mask: torch.Tensor,
    category_weight: float,
    labels: torch.Tensor | None = None,
    categories: torch.Tensor | None = None,
) -> torch.Tensor:
    """KL(teacher || student) at temperature ``TEMPERATURE`` over the real tokens, plus
    the same for the category, weighted as the hard losses are. With gold ``labels``
    and ``categories``, only where the teacher's argmax agrees with them."""
    t = TEMPERATURE
    kl_tok = F.kl_div(
        F.log_softmax(student_tok / t, dim=-1),
        F.log_softmax(teacher_tok / t, dim=-1),
        log_target=True,
        reduction="none",
    ).sum(-1)
    if labels is not None:
        token_mask = token_mask & (teacher_tok.argmax(-1) == labels)
    mask = token_mask.to(kl_tok.dtype)
    tok = (kl_tok * mask).sum() / mask.sum().clamp(min=1.0)
    kl_cat = F.kl_div(
        F.log_softmax(student_cat / t, dim=-1),
        F.log_softmax(teacher_cat / t, dim=-1),
        log_target=True,
        reduction="none",
    ).sum(-1)
    if categories is not None:
        keep = (teacher_cat.argmax(-1) == categories).to(kl_cat.dtype)
        cat = (kl_cat * keep).sum() / kl_cat.shape[0]
    else:
        cat = kl_cat.mean()
    return (tok + category_weight * cat) * t * t
