"""Secure by default: off loopback, the agent does not start without authentication."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from agent.config import AgentConfig, TenantAuth, TLSFiles, load_agent_config
from agent.server import check_authentication, create_server
from bastion.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]


def exposed(**changes: object) -> AgentConfig:
    """The example config, listening on a LAN address with TLS (paths never read here)."""
    base = load_agent_config(ROOT / "examples" / "agent.yaml")
    tls = TLSFiles(Path("server.crt"), Path("server.key"), None)
    return dataclasses.replace(base, listen_host="10.20.30.40", tls=tls, **changes)  # type: ignore[arg-type]


def test_a_lan_listener_without_authentication_refuses_to_start() -> None:
    with pytest.raises(ConfigError) as info:
        check_authentication(exposed())
    message = str(info.value)
    assert "10.20.30.40 (not loopback) without authentication" in message
    assert "auth.allow_unauthenticated" in message


def test_auth_required_false_off_loopback_is_refused_too() -> None:
    tenants = {"acme-law": TenantAuth(token_sha256=("0" * 64,))}
    with pytest.raises(ConfigError):
        check_authentication(exposed(tenants_auth=tenants, auth_required=False))


def test_tokens_with_auth_required_pass() -> None:
    tenants = {"acme-law": TenantAuth(token_sha256=("0" * 64,))}
    check_authentication(exposed(tenants_auth=tenants, auth_required=True))


def test_the_explicit_opt_out_starts_and_warns_every_time(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bastion.agent"):
        check_authentication(exposed(allow_unauthenticated=True))
        check_authentication(exposed(allow_unauthenticated=True))
    warnings = [r for r in caplog.records if r.getMessage() == "unauthenticated_listener"]
    assert len(warnings) == 2


def test_loopback_without_auth_is_the_development_default() -> None:
    check_authentication(load_agent_config(ROOT / "examples" / "agent.yaml"))


async def test_create_server_refuses_before_loading_anything() -> None:
    with pytest.raises(ConfigError, match="without authentication"):
        await create_server(exposed())


def test_the_opt_out_is_a_config_key(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "agent.yaml").read_text()
    text = text.replace("../policies/default.yaml", str(ROOT / "policies" / "default.yaml"))
    cfg_path = tmp_path / "agent.yaml"
    cfg_path.write_text(text + "\nauth:\n  required: false\n  allow_unauthenticated: true\n")
    cfg = load_agent_config(cfg_path)
    assert cfg.allow_unauthenticated and not cfg.auth_required
