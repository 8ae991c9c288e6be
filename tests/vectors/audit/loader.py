"""Load the published RFC 6962 / Certificate Transparency vectors kept beside this file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

_HERE = Path(__file__).parent


@dataclass(frozen=True)
class HasherVector:
    desc: str
    kind: str
    data: bytes
    left: bytes
    right: bytes
    want: bytes


@dataclass(frozen=True)
class InclusionVector:
    leaf_index: int
    tree_size: int
    proof: list[bytes]


@dataclass(frozen=True)
class ConsistencyVector:
    size1: int
    size2: int
    proof: list[bytes]


@dataclass(frozen=True)
class RFC6962Vectors:
    hasher: list[HasherVector]
    leaves: list[bytes]
    roots: list[bytes]
    inclusion: list[InclusionVector]
    consistency: list[ConsistencyVector]


def load_rfc6962() -> RFC6962Vectors:
    raw = json.loads((_HERE / "rfc6962.json").read_text())
    hx = bytes.fromhex
    return RFC6962Vectors(
        hasher=[
            HasherVector(
                v["desc"],
                v["kind"],
                hx(v.get("data_hex", "")),
                hx(v.get("left_hex", "")),
                hx(v.get("right_hex", "")),
                hx(v["want"]),
            )
            for v in raw["hasher"]
        ],
        leaves=[hx(x) for x in raw["leaves"]],
        roots=[hx(x) for x in raw["roots"]],
        inclusion=[
            InclusionVector(v["leaf_index"], v["tree_size"], [hx(p) for p in v["proof"]])
            for v in raw["inclusion"]
        ],
        consistency=[
            ConsistencyVector(v["size1"], v["size2"], [hx(p) for p in v["proof"]])
            for v in raw["consistency"]
        ],
    )
