"""The console end to end in a real browser (Playwright driving Debian's Chromium).

Real parts: the agent (gRPC on loopback, the real models, policy, vault and audit log)
serving EdgeAgent and Review, the cloud tier (gRPC) in front of the fake OpenAI-style
vendor, the console (uvicorn on loopback) and Chromium. A document system routes the
sample documents; a compliance officer signs in, reads the overview, searches the
decision log, opens an entry's inclusion proof, verifies the log, downloads an evidence
bundle and verifies it by upload; a reviewer approves the held HR section. Screenshots
of every page go to docs/console/.

The agent is the real server (``agent.server.create_server``): the pipeline holds the
HR section in the review queue and sends the approved section through its own phases
(egress re-check, audit, cloud tier, re-identification).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import uvicorn

from agent.auth import hash_token
from agent.config import AgentConfig, load_agent_config
from agent.server import create_server
from bastion.devstack import free_port, write_local_configs
from bastion.wire.v1 import agent_pb2, agent_pb2_grpc, common_pb2, review_pb2, review_pb2_grpc
from cloud.config import load_config as load_cloud_config
from cloud.server import create_server as create_cloud_server
from compliance.console.app import Console, create_app
from compliance.console.auth import hash_password
from compliance.console.config import load_console_config
from compliance.export import verify_export
from tests.fakes.openai_server import FakeVendor, Recorded, Reply
from tests.integration.servers import ServerThread

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to docs/console/ only when asked (BASTION_UPDATE_SCREENSHOTS=1): a test
# run must not rewrite committed files; otherwise they go to a temporary directory.
SHOTS = (
    ROOT / "docs" / "console"
    if os.environ.get("BASTION_UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "bastion-console-shots"
)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCSYS_TOKEN = "northbank-docsys-token-0001"
REVIEWER_TOKEN = "northbank-reviewer-token-0001"
PASSWORD = "correct horse battery staple"
MINUTES = (ROOT / "examples" / "documents" / "northbank" / "board-minutes.txt").read_text()
SECRETS = ["Daniel Okafor", "disciplinary case against branch manager", "grievance process"]


@dataclass
class ConsoleStack:
    url: str
    agent: ServerThread
    agent_config: AgentConfig
    channel: grpc.Channel
    run: Path
    vendor: FakeVendor


def _answer_naming_the_first_person(rec: Recorded) -> Reply:
    """A vendor answer that names the first person placeholder it was sent, so the
    caller's answer shows the agent restored it locally."""
    found = re.search(r"<PERSON_\d+>", rec.user)
    return Reply.ok(f"ANSWER: {found[0] if found else 'nobody'} is concerned.\nCONFIDENCE: 0.9")


class _Uvicorn(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread of pytest, not the main process
        pass


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleStack]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run scripts/setup_browser.sh (setup.sh calls it)")
    run = tmp_path_factory.mktemp("console")
    with FakeVendor() as vendor:
        cloud_cfg, _ = write_local_configs(run / "c", llm_url=vendor.base_url)
        cloud_config = load_cloud_config(cloud_cfg)
        for provider in cloud_config.providers:
            vendor.answer(provider.model, _answer_naming_the_first_person)
        cloud = ServerThread(lambda: create_cloud_server(cloud_config)).start()
        auth = {
            "required": True,
            "tenants": {
                "northbank": {
                    "token_sha256": [hash_token(DOCSYS_TOKEN)],
                    "reviewer_token_sha256": [hash_token(REVIEWER_TOKEN)],
                }
            },
        }
        _, agent_cfg = write_local_configs(
            run, llm_url=vendor.base_url, cloud_port=cloud.port, agent_overrides={"auth": auth}
        )
        config = load_agent_config(agent_cfg)
        agent = ServerThread(lambda: create_server(config)).start()
        token_file = run / "reviewer.token"
        token_file.write_text(REVIEWER_TOKEN + "\n")
        token_file.chmod(0o600)
        pw = hash_password(PASSWORD)
        console_yaml = run / "console.yaml"
        port = free_port()
        console_yaml.write_text(
            f"listen: 127.0.0.1:{port}\nagent_config: agent.yaml\n"
            f"review:\n  endpoint: 127.0.0.1:{agent.port}\n"
            "  reviewer_tokens: {northbank: reviewer.token}\n"
            "accounts:\n"
            f"  - {{name: olivia, role: compliance, tenants: ['*'], password_scrypt: '{pw}'}}\n"
            f"  - {{name: rita, role: reviewer, tenants: [northbank], password_scrypt: '{pw}'}}\n"
        )
        server = _Uvicorn(
            uvicorn.Config(
                create_app(Console(load_console_config(console_yaml))),
                host="127.0.0.1",
                port=port,
                log_level="warning",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        channel = grpc.insecure_channel(agent.target)
        try:
            yield ConsoleStack(f"http://127.0.0.1:{port}", agent, config, channel, run, vendor)
        finally:
            channel.close()
            server.should_exit = True
            thread.join(timeout=10)
            agent.stop()
            cloud.stop()


def _route(stack: ConsoleStack, text: str, document_id: str) -> Any:
    stub = agent_pb2_grpc.EdgeAgentStub(stack.channel)  # type: ignore[no-untyped-call]
    return stub.Route(
        agent_pb2.RouteRequest(
            document=agent_pb2.Document(
                tenant="northbank",
                document_id=document_id,
                source_jurisdiction="UK",
                text=text.encode(),
            ),
            task=common_pb2.Task(instruction="Summarise the minutes.", mode=common_pb2.FUSION),
        ),
        timeout=300,
        metadata=(("authorization", f"Bearer {DOCSYS_TOKEN}"),),
    )


def _wait_for_a_head_covering_everything(db: Path, timeout_s: float = 30.0) -> None:
    """The agent signs waiting entries every audit.sign_every_s (5 s here)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        size = conn.execute("SELECT size FROM tree_state").fetchone()[0]
        head = conn.execute("SELECT MAX(size) FROM heads").fetchone()[0] or 0
        conn.close()
        if head == size:
            return
        time.sleep(0.25)
    raise AssertionError("no signed head covered the log in time")


def _sign_in(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_console_end_to_end_in_a_real_browser(console_stack: ConsoleStack) -> None:
    from playwright.sync_api import expect, sync_playwright

    stack = console_stack
    routed = _route(stack, MINUTES, "board-minutes")
    held = [s for s in routed.sections if s.status == "WITHHELD_REVIEW"]
    assert held, "the personnel item should be held for review"
    assert all(s.review_id for s in held), [(s.status, s.reason) for s in held]
    assert any(s.status == "SENT" for s in routed.sections)
    review_id = held[0].review_id  # the board minutes' personnel item
    kyc = (ROOT / "examples" / "documents" / "northbank" / "kyc-file.txt").read_text()
    kyc_routed = _route(stack, kyc, "kyc-file")  # more traffic for the overview
    held_total = len(held) + sum(1 for s in kyc_routed.sections if s.review_id)
    _wait_for_a_head_covering_everything(stack.agent_config.audit.path)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        page = context.new_page()
        blocked: list[str] = []
        page.on(
            "request",
            lambda r: blocked.append(r.url) if not r.url.startswith(stack.url) else None,
        )

        # -- compliance officer ------------------------------------------------------
        _sign_in(page, stack.url, "olivia")
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        expect(page.locator("canvas#chart-action")).to_have_attribute("data-drawn", "true")
        expect(page.locator("figure", has_text="Sections by policy action")).to_contain_text(
            "review"
        )
        _shot(page, "overview")

        page.get_by_role("link", name="Decision log").click()
        page.get_by_label("Kind").select_option("section")
        page.get_by_label("Rule id").fill("hr-needs-review")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#log-count")).to_contain_text(f"{held_total} matching entries")
        expect(page.locator("table.log tbody")).to_contain_text("WITHHELD_REVIEW")
        _shot(page, "log")
        for value in SECRETS:
            assert value not in page.content()

        page.locator("table.log tbody th a").first.click()
        expect(page.locator("#proof-result")).to_contain_text("Verified: included")
        _shot(page, "entry")

        page.get_by_role("link", name="Verify the log").click()
        page.get_by_role("button", name="Verify the log now").click()
        expect(page.locator("#verify-result")).to_contain_text("audit log OK")
        expect(page.locator("#verify-result")).to_contain_text("trusted via pinned key")
        key_id = page.locator("#pinned-key-id").inner_text().strip()
        assert len(key_id) == 16
        expect(page.locator("#checkpoint")).to_contain_text("bastion.invalid/audit/")
        _shot(page, "verify")

        page.get_by_role("link", name="Export evidence").click()
        page.get_by_label("Tenant").select_option("northbank")
        _shot(page, "export")
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download the evidence bundle").click()
        bundle = stack.run / "evidence.zip"
        download_info.value.save_as(bundle)
        with zipfile.ZipFile(bundle) as zf:
            zf.extractall(stack.run / "evidence")
        report = verify_export(stack.run / "evidence" / "export")
        assert report.entries > 0 and report.key_id == key_id

        page.get_by_role("link", name="Verify an export").click()
        page.get_by_label("Export (.zip)").set_input_files(str(bundle))
        page.get_by_role("button", name="Verify").click()
        expect(page.locator("#verify-export-result")).to_contain_text("export OK")
        _shot(page, "verify-export")
        page.get_by_role("button", name="Sign out").click()

        # -- reviewer ----------------------------------------------------------------
        _sign_in(page, stack.url, "rita")
        expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
        _shot(page, "reviews")
        page.locator(f"a[href='/reviews/northbank/{review_id}']").click()
        preview = page.locator("#preview-text").inner_text()
        section = page.locator("#section-text").inner_text()
        assert "Daniel Okafor" in section
        assert "Daniel Okafor" not in preview and "<PERSON_" in preview
        _shot(page, "review")
        vendor_before = len(stack.vendor.requests)
        page.get_by_label(
            "Note (optional, kept with the review, never in the audit log)"
        ).first.fill("Needed for the board pack")
        page.get_by_role("button", name="Approve and send exactly the text shown").click()
        expect(page.locator("#decision-result")).to_contain_text("Decision recorded: SENT")
        _shot(page, "review-decided")
        assert blocked == [], f"the console loaded something from elsewhere: {blocked}"
        context.close()
        browser.close()

    # What left is exactly what the reviewer saw, and the caller gets the answer back.
    sent_after = [r.user for r in stack.vendor.requests[vendor_before:]]
    assert sent_after and preview in sent_after[0], "the previewed text did not leave as shown"
    assert not any("Daniel Okafor" in user for user in sent_after)
    review_stub = review_pb2_grpc.ReviewStub(stack.channel)  # type: ignore[no-untyped-call]
    result = review_stub.GetResult(
        review_pb2.GetReviewResultRequest(tenant="northbank", id=review_id),
        metadata=(("authorization", f"Bearer {DOCSYS_TOKEN}"),),
        timeout=30,
    )
    assert result.status == "SENT" and "Daniel Okafor" in result.answer
    with pytest.raises(grpc.RpcError) as denied:  # the reviewer token cannot Route
        agent_pb2_grpc.EdgeAgentStub(stack.channel).Analyze(  # type: ignore[no-untyped-call]
            agent_pb2.AnalyzeRequest(
                document=agent_pb2.Document(
                    tenant="northbank", document_id="x", source_jurisdiction="UK", text=b"hi"
                )
            ),
            metadata=(("authorization", f"Bearer {REVIEWER_TOKEN}"),),
            timeout=30,
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED

    # The decision is a signed audit entry, the log verifies, and no text is in it.
    db = stack.agent_config.audit.path
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    leaves = [json.loads(r[0]) for r in conn.execute("SELECT leaf FROM entries")]
    conn.close()
    approve = [e for e in leaves if e["kind"] == "review" and e["action"] == "approve"]
    assert len(approve) == 1 and "reviewer=rita" in approve[0]["caller"]
    stored = b"".join(p.read_bytes() for p in db.parent.glob("audit.db*"))
    for value in SECRETS:
        assert value.encode() not in stored
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bastion.cli",
            "audit",
            "verify",
            "--config",
            str(db.parent / "agent.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert out.returncode == 0, out.stderr
