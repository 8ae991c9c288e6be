"""Helpers that write real cloud-tier YAML files pointing at a FakeVendor, and load them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bastion.wire.v1 import cloud_pb2, common_pb2
from cloud.config import CloudConfig, load_config

EU = {"destination": "eu-vendor", "region": "eu-west-1", "jurisdiction": "EU"}
US = {"destination": "us-vendor", "region": "us-east-1", "jurisdiction": "US"}


def provider(name: str, base_url: str, *, where: dict[str, str] = EU, **kw: Any) -> dict[str, Any]:
    """A provider entry served by the fake vendor; the model name is the provider name."""
    entry: dict[str, Any] = {"name": name, "base_url": base_url, "model": name, **where}
    entry.setdefault("timeout_s", 2.0)
    entry.setdefault("max_retries", 1)
    entry.update(kw)
    return entry


def write_config(tmp_path: Path, providers: list[dict[str, Any]], **top: Any) -> CloudConfig:
    data: dict[str, Any] = {"listen": "127.0.0.1:0", "providers": providers, **top}
    path = tmp_path / "cloud.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_config(path)


def destination(where: dict[str, str] = EU, **override: str) -> common_pb2.Destination:
    fields = {
        "name": where["destination"],
        "provider": "vendor",
        "region": where["region"],
        "jurisdiction": where["jurisdiction"],
    }
    fields.update(override)
    return common_pb2.Destination(**fields)


def request(
    mode: int = common_pb2.FUSION,
    *,
    resolution: int = common_pb2.RESOLUTION_UNSPECIFIED,
    allowed: list[common_pb2.Destination] | None = None,
    sections: list[str] | None = None,
    instruction: str = "Is the contract terminable on notice? Answer yes or no.",
    tenant: str = "acme",
    token_budget: int = 0,
    max_output_tokens: int = 0,
) -> cloud_pb2.OrchestrateRequest:
    texts = sections if sections is not None else ["Either party may terminate on 30 days notice."]
    return cloud_pb2.OrchestrateRequest(
        request_id="req-1",
        tenant=tenant,
        task=common_pb2.Task(
            instruction=instruction,
            mode=mode,
            resolution=resolution,
            max_output_tokens=max_output_tokens,
        ),
        sections=[
            cloud_pb2.OutboundSection(index=i, heading=f"Clause {i}", text=t, category="internal")
            for i, t in enumerate(texts)
        ],
        allowed_destinations=[destination()] if allowed is None else allowed,
        token_budget=token_budget,
    )
