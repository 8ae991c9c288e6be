"""The training loop: seeded, CPU, dynamic padding, length-bucketed batches.

Why these choices: CPU time is the budget (2 shared cores), so batches are bucketed by
length (little padding) and the loss is the sum of the token loss and the category loss
over one encoder pass, exactly the pass run at inference.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from agent.classify.features import make_batch
from models.train import distil
from models.train.data import Window
from models.train.model import SectionTagger


@dataclass(frozen=True, slots=True)
class TrainConfig:
    epochs: int = 2
    batch_size: int = 16
    lr_encoder: float = 1e-4
    lr_heads: float = 1e-3
    warmup_fraction: float = 0.06
    category_weight: float = 0.5
    o_weight: float = 0.5  # recall matters more than precision: a missed name leaks
    seed: int = 1234
    threads: int = 2
    #: distil only where the teacher agrees with the gold label (``distil.soft_loss``)
    filter_teacher: bool = True


def seed_everything(seed: int, threads: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def batches(windows: Sequence[Window], size: int, rng: random.Random) -> list[list[Window]]:
    """Length-bucketed batches in a seeded random order."""
    order = sorted(range(len(windows)), key=lambda i: (len(windows[i].ids), i))
    chunks = [[windows[i] for i in order[k : k + size]] for k in range(0, len(order), size)]
    rng.shuffle(chunks)
    return chunks


def to_tensors(batch: Sequence[Window]) -> tuple[torch.Tensor, ...]:
    b = make_batch([(w.ids, w.cases) for w in batch])
    labels = np.full(b.input_ids.shape, -100, dtype=np.int64)
    for r, w in enumerate(batch):
        labels[r, 1 : len(w.ids) + 1] = w.labels
    cats = np.asarray([w.category for w in batch], dtype=np.int64)
    return (
        torch.from_numpy(b.input_ids),
        torch.from_numpy(b.attention_mask),
        torch.from_numpy(b.case_ids),
        torch.from_numpy(labels),
        torch.from_numpy(cats),
    )


def train(
    model: SectionTagger,
    windows: Sequence[Window],
    num_labels: int,
    cfg: TrainConfig,
    log: Callable[[str], None] = print,
) -> dict[str, float]:
    seed_everything(cfg.seed, cfg.threads)
    rng = random.Random(cfg.seed)
    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    enc_params = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    opt = torch.optim.AdamW(
        [
            {"params": enc_params, "lr": cfg.lr_encoder},
            {"params": head_params, "lr": cfg.lr_heads},
        ],
        weight_decay=0.01,
    )
    steps_per_epoch = math.ceil(len(windows) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    warmup = max(1, int(total * cfg.warmup_fraction))

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    weights = torch.ones(num_labels)
    weights[0] = cfg.o_weight
    tok_loss = nn.CrossEntropyLoss(weight=weights, ignore_index=-100)
    cat_loss = nn.CrossEntropyLoss()
    model.train()
    step = 0
    started = time.monotonic()
    seen = 0
    last = 0.0
    for epoch in range(cfg.epochs):
        running = 0.0
        for k, batch in enumerate(batches(windows, cfg.batch_size, rng)):
            ids, mask, cases, labels, cats = to_tensors(batch)
            tok_logits, cat_logits = model(ids, mask, cases)
            loss = tok_loss(tok_logits.reshape(-1, num_labels), labels.reshape(-1))
            loss = loss + cfg.category_weight * cat_loss(cat_logits, cats)
            if batch[0].teacher_tokens is not None:
                t_tok, t_cat = distil.teacher_tensors(batch, ids.shape[1])
                loss = loss + distil.SOFT_WEIGHT * distil.soft_loss(
                    tok_logits,
                    cat_logits,
                    t_tok,
                    t_cat,
                    labels != -100,
                    cfg.category_weight,
                    labels if cfg.filter_teacher else None,
                    cats if cfg.filter_teacher else None,
                )
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            seen += len(batch)
            running += float(loss.detach())
            if (k + 1) % 50 == 0:
                rate = seen / (time.monotonic() - started)
                log(
                    f"epoch {epoch} step {k + 1}/{steps_per_epoch} "
                    f"loss {running / 50:.4f} ({rate:.0f} windows/s)"
                )
                last = running / 50
                running = 0.0
    model.eval()
    return {
        "train_seconds": round(time.monotonic() - started, 1),
        "windows": float(len(windows)),
        "final_loss": round(last, 4),
    }
