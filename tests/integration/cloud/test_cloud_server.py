"""The server around the orchestrator: health, reflection, message limits, TLS/mTLS, and
``bastion cloud serve`` stopping gracefully on SIGTERM. Real sockets on loopback."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from bastion.wire.v1 import cloud_pb2_grpc
from cloud.server import create_server
from tests.fakes.cloud_setup import provider, request, write_config
from tests.fakes.openai_server import FakeVendor, Reply
from tests.integration.cloud.conftest import serving

REPO = Path(__file__).resolve().parents[3]


async def test_health_reports_serving_and_reflection_lists_services(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    config = write_config(tmp_path, [provider("a", vendor.base_url)])
    server, port = await create_server(config)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            reply = await health.Check(
                health_pb2.HealthCheckRequest(service="bastion.v1.Orchestrator")
            )
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            reflect = reflection_pb2_grpc.ServerReflectionStub(channel)
            call = reflect.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")])
            )
            names = set()
            async for message in call:
                names = {s.name for s in message.list_services_response.service}
                break
            assert {"bastion.v1.Orchestrator", "grpc.health.v1.Health"} <= names
    finally:
        await server.stop(None)


async def test_oversized_message_is_refused_before_any_call(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path, [provider("a", vendor.base_url)], limits={"max_message_bytes": 4096}
    )
    async with serving(config) as stub:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.Orchestrate(request(sections=["x" * 10_000]))
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert vendor.requests == []


async def test_too_long_section_is_invalid_argument_naming_the_index(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path, [provider("a", vendor.base_url)], limits={"max_section_chars": 100}
    )
    async with serving(config) as stub:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.Orchestrate(request(sections=["ok", "secret words " * 20]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "section 1 has 260 characters" in (err.value.details() or "")
    assert "secret" not in (err.value.details() or "")


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_pki(d: Path) -> None:
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
             "-subj", "/CN=bastion-test-ca", cwd=d)  # fmt: skip
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    (d / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name in ("server", "client"):
        _openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN=bastion-{name}", cwd=d)  # fmt: skip
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.crt", "-days", "1",
                 "-extfile", f"{name}.ext", cwd=d)  # fmt: skip


async def test_mtls_accepts_a_client_certificate_and_refuses_its_absence(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    pki = tmp_path / "pki"
    pki.mkdir()
    _make_pki(pki)
    tls = {"cert": "pki/server.crt", "key": "pki/server.key", "client_ca": "pki/ca.crt"}
    config = write_config(tmp_path, [provider("a", vendor.base_url)], tls=tls)
    server, port = await create_server(config)
    ca = (pki / "ca.crt").read_bytes()
    target = f"127.0.0.1:{port}"
    try:
        with_cert = grpc.ssl_channel_credentials(
            root_certificates=ca,
            private_key=(pki / "client.key").read_bytes(),
            certificate_chain=(pki / "client.crt").read_bytes(),
        )
        async with grpc.aio.secure_channel(target, with_cert) as channel:
            resp = await cloud_pb2_grpc.OrchestratorStub(channel).Orchestrate(request())
            assert resp.answer == "yes"
        without_cert = grpc.ssl_channel_credentials(root_certificates=ca)
        async with grpc.aio.secure_channel(target, without_cert) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await cloud_pb2_grpc.OrchestratorStub(channel).Orchestrate(request(), timeout=5)
            assert err.value.code() == grpc.StatusCode.UNAVAILABLE
        async with grpc.aio.insecure_channel(target) as channel:
            with pytest.raises(grpc.aio.AioRpcError):
                await cloud_pb2_grpc.OrchestratorStub(channel).Orchestrate(request(), timeout=5)
    finally:
        await server.stop(None)
    assert len(vendor.requests) == 2  # only the authenticated request reached a vendor


async def test_cli_serve_answers_then_stops_gracefully_on_sigterm(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    config = write_config(tmp_path, [provider("a", vendor.base_url)])
    argv = ["-m", "bastion.cli", "cloud", "serve", "--config", str(config.path), "--grace", "2"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *argv,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert "listening on 127.0.0.1:" in line, line
        port = int(line.rsplit(":", 1)[1])
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            resp = await cloud_pb2_grpc.OrchestratorStub(channel).Orchestrate(request(), timeout=10)
        assert resp.answer == "yes"
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 15) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_cli_serve_reports_a_bad_config_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "cloud.yaml"
    bad.write_text("listen: 0.0.0.0:5000\nproviders: []\n")
    proc = subprocess.run(
        [sys.executable, "-m", "bastion.cli", "cloud", "serve", "--config", str(bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "cloud.yaml:1: listen: plaintext is only allowed on loopback" in proc.stderr


async def test_metrics_count_requests_calls_tokens_and_cost(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    vendor.answer("a", Reply.ok("ANSWER: yes", usage=(100, 10)))
    providers = [provider("a", vendor.base_url, cost_per_1k_input=1.0)]
    config = write_config(tmp_path, providers, metrics={"port": 0})
    server, port = await create_server(config)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = cloud_pb2_grpc.OrchestratorStub(channel)
            await stub.Orchestrate(request(sections=["SENTINEL-text"]))
            with pytest.raises(grpc.aio.AioRpcError):
                await stub.Orchestrate(request(allowed=[]))
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"http://127.0.0.1:{server.metrics_port}/metrics")).text
    finally:
        await server.stop(None)
    assert 'bastion_cloud_requests_total{code="OK",mode="FUSION"} 1.0' in text
    assert 'bastion_cloud_requests_total{code="FAILED_PRECONDITION",mode="FUSION"} 1.0' in text
    assert 'bastion_cloud_provider_calls_total{outcome="ok",provider="a"} 2.0' in text
    assert 'bastion_cloud_tokens_total{kind="prompt",provider="a"} 200.0' in text
    assert 'bastion_cloud_cost_usd_total{provider="a"} 0.2' in text
    assert "SENTINEL" not in text


async def test_requests_beyond_the_in_flight_limit_are_pushed_back(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    vendor.answer("a", Reply.slow(0.4))
    config = write_config(tmp_path, [provider("a", vendor.base_url)], limits={"max_in_flight": 1})
    async with serving(config) as stub:
        results = await asyncio.gather(
            stub.Orchestrate(request()), stub.Orchestrate(request()), return_exceptions=True
        )
    errors = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(errors) == 1 and errors[0].code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "in-flight limit (1)" in (errors[0].details() or "")


@pytest.mark.parametrize(("allowed", "ok"), [(["bastion-client"], True), (["other-agent"], False)])
async def test_client_certificate_common_name_allowlist(
    vendor: FakeVendor, tmp_path: Path, allowed: list[str], ok: bool
) -> None:
    pki = tmp_path / "pki"
    pki.mkdir()
    _make_pki(pki)
    tls = {
        "cert": "pki/server.crt",
        "key": "pki/server.key",
        "client_ca": "pki/ca.crt",
        "allowed_client_cns": allowed,
    }
    config = write_config(tmp_path, [provider("a", vendor.base_url)], tls=tls)
    server, port = await create_server(config)
    creds = grpc.ssl_channel_credentials(
        root_certificates=(pki / "ca.crt").read_bytes(),
        private_key=(pki / "client.key").read_bytes(),
        certificate_chain=(pki / "client.crt").read_bytes(),
    )
    try:
        async with grpc.aio.secure_channel(f"127.0.0.1:{port}", creds) as channel:
            stub = cloud_pb2_grpc.OrchestratorStub(channel)
            if ok:
                assert (await stub.Orchestrate(request())).answer == "yes"
            else:
                with pytest.raises(grpc.aio.AioRpcError) as err:
                    await stub.Orchestrate(request())
                assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    finally:
        await server.stop(None)
    assert bool(vendor.requests) == ok


async def test_a_corrupt_message_is_invalid_argument_and_reaches_no_vendor(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    config = write_config(tmp_path, [provider("a", vendor.base_url)])
    server, port = await create_server(config)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary(
                "/bastion.v1.Orchestrator/Orchestrate",
                request_serializer=None,
                response_deserializer=None,
            )
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await call(b"\x00", timeout=10)
    finally:
        await server.stop(None)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert info.value.details() == "the request message does not parse (corrupt protobuf)"
    assert vendor.requests == []
