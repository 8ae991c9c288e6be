"""The section model: one MiniLM encoder pass, two heads.

* token head: BIO tags over the model entity types (names, organisations, places, dates
  of birth, context-dependent identifiers);
* category head: the section category, from the mean of the token states, or (round 3,
  ``pooling="meanmax"``) from the mean and the element-wise maximum side by side: a
  section's category is the most sensitive content anywhere in it, and one sensitive
  sentence among benign ones (a background line in a task instruction, one bullet of
  four) is diluted by a mean but not by a maximum.

The encoder is uncased, so a small *case embedding* (``agent.classify.features``) is
added to the word embeddings; it starts at zero, so training begins from the pretrained
encoder exactly. A student keeps only some of the six pretrained layers, and may keep
only the most important neurons of each layer's feed-forward block (``prune_ffn``): the
FFN holds two thirds of a layer's multiply-adds; keeping 512 of 1,536 made the raw
OpenVINO model ~1.55x faster, and fine-tuning recovers what the cut neurons carried.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn
from transformers import BertConfig, BertModel

from agent.classify.features import NUM_CASE_CLASSES


def load_encoder(weights_dir: Path, keep_layers: Sequence[int]) -> BertModel:
    """The pretrained encoder, cut down to ``keep_layers`` (indices of the 6 layers)."""
    config = BertConfig.from_pretrained(str(weights_dir))
    config.attn_implementation = "eager"
    model = BertModel.from_pretrained(
        str(weights_dir), config=config, add_pooling_layer=False, attn_implementation="eager"
    )
    layers = model.encoder.layer
    model.encoder.layer = nn.ModuleList([layers[i] for i in keep_layers])
    model.config.num_hidden_layers = len(keep_layers)
    return model


def prune_ffn(encoder: BertModel, size: int) -> BertModel:
    """Keep the ``size`` feed-forward neurons of each layer with the largest weight
    product ``|w_in| * |w_out|`` (deterministic: ties go to the lower index)."""
    for layer in encoder.encoder.layer:
        w_in = layer.intermediate.dense  # hidden -> intermediate
        w_out = layer.output.dense  # intermediate -> hidden
        if size >= w_in.out_features:
            continue
        score = (w_in.weight.norm(dim=1) * w_out.weight.norm(dim=0)).detach()
        order = sorted(range(len(score)), key=lambda i: (-float(score[i]), i))
        keep = torch.tensor(sorted(order[:size]))
        new_in = nn.Linear(w_in.in_features, size)
        new_out = nn.Linear(size, w_out.out_features)
        with torch.no_grad():
            new_in.weight.copy_(w_in.weight[keep])
            new_in.bias.copy_(w_in.bias[keep])
            new_out.weight.copy_(w_out.weight[:, keep])
            new_out.bias.copy_(w_out.bias)
        layer.intermediate.dense = new_in
        layer.output.dense = new_out
    encoder.config.intermediate_size = min(size, int(encoder.config.intermediate_size))
    return encoder


#: how the category head pools the token states
POOLINGS = ("mean", "meanmax")


class SectionTagger(nn.Module):
    """Encoder + case embedding + token head + category head."""

    def __init__(
        self, encoder: BertModel, num_labels: int, num_categories: int, pooling: str = "mean"
    ) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, not {pooling!r}")
        hidden = int(encoder.config.hidden_size)
        self.pooling = pooling
        self.encoder = encoder
        self.case_embeddings = nn.Embedding(NUM_CASE_CLASSES, hidden)
        nn.init.zeros_(self.case_embeddings.weight)
        self.dropout = nn.Dropout(0.1)
        self.token_head = nn.Linear(hidden, num_labels)
        pooled_size = hidden * (2 if pooling == "meanmax" else 1)
        self.category_head = nn.Linear(pooled_size, num_categories)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, case_ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        words = self.encoder.embeddings.word_embeddings(input_ids)
        embeds = words + self.case_embeddings(case_ids)
        states = self.encoder(inputs_embeds=embeds, attention_mask=attention_mask).last_hidden_state
        states = self.dropout(states)
        token_logits = self.token_head(states)
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        if self.pooling == "meanmax":
            peak = states.masked_fill(mask == 0, -1e4).max(dim=1).values
            pooled = torch.cat([pooled, peak], dim=-1)
        category_logits = self.category_head(pooled)
        return token_logits, category_logits
