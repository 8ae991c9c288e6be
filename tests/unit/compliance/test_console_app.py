"""The console over HTTP (Starlette's test client) on a real audit log: sign-in, roles,
tenant scoping, CSRF, headers, no text on log pages, exports that verify, unsafe zips."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from agent.audit import AuditConfig, AuditLog
from compliance.console.app import Console, create_app
from compliance.console.auth import check_password, hash_password
from compliance.console.config import load_console_config
from compliance.export import verify_export
from tests.unit.audit.helpers import T0, FakeClock, entries

VENDOR = Path(__file__).resolve().parents[3] / "compliance" / "console" / "static" / "vendor"
FAST = 2**10  # scrypt cost for tests (the default is 2^15)


@pytest.fixture
def console_yaml(tmp_path: Path, config: AuditConfig, clock: FakeClock) -> Path:
    with AuditLog.open(config, clock=clock) as log:
        log.append_sync(entries(20, tenant="acme"))
        log.append_sync(entries(10, start=20, tenant="globex"))
    (tmp_path / "agent.yaml").write_text(
        f"listen: 127.0.0.1:1\naudit:\n  path: {config.db_path.name}\n"
        f"  key: {config.key_path.name}\n  witness: {config.witness_path.name}\n"
    )
    pw = hash_password("correct horse battery", n=FAST)
    path = tmp_path / "console.yaml"
    path.write_text(
        "listen: 127.0.0.1:0\nagent_config: agent.yaml\n"
        "accounts:\n"
        f"  - {{name: olivia, role: compliance, tenants: ['*'], password_scrypt: '{pw}'}}\n"
        f"  - {{name: ann, role: compliance, tenants: [acme], password_scrypt: '{pw}'}}\n"
        f"  - {{name: rita, role: reviewer, tenants: [acme], password_scrypt: '{pw}'}}\n"
    )
    return path


@pytest.fixture
def client(console_yaml: Path) -> Iterator[TestClient]:
    console = Console(load_console_config(console_yaml), clock=lambda: T0 + 3600)
    with TestClient(create_app(console), base_url="http://127.0.0.1") as c:
        yield c


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "form has no CSRF token"
    return m.group(1)


def _login(c: TestClient, name: str, password: str = "correct horse battery") -> int:
    page = c.get("/login")
    r = c.post(
        "/login",
        data={"username": name, "password": password, "csrf": _csrf(page.text)},
        follow_redirects=False,
    )
    return r.status_code


def test_password_hashes_are_salted_scrypt_and_check_in_constant_time() -> None:
    a, b = hash_password("pw-one-two-three", n=FAST), hash_password("pw-one-two-three", n=FAST)
    assert a != b and a.startswith("scrypt$1024$8$1$")
    assert check_password("pw-one-two-three", a) and not check_password("pw-one-two-thre", a)
    assert not check_password("x", "scrypt$garbage")


def test_pages_need_a_session_and_login_needs_the_form_token(client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    r = client.post(
        "/login", data={"username": "olivia", "password": "correct horse battery", "csrf": "x"}
    )
    assert r.status_code == 403
    assert _login(client, "olivia", "wrong password!") == 401
    assert _login(client, "olivia") == 303
    page = client.get("/")
    assert page.status_code == 200 and "Sections by policy action" in page.text
    cookie = next(c for c in client.cookies.jar if c.name == "bastion_console")
    assert cookie.has_nonstandard_attr("HttpOnly")


def test_every_page_is_sent_with_a_strict_policy(client: TestClient) -> None:
    r = client.get("/login")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-frame-options"] == "DENY"


def test_five_failures_lock_the_account_for_a_while(client: TestClient) -> None:
    for _ in range(5):
        assert _login(client, "ann", "nope nope nope") == 401
    assert _login(client, "ann") == 429


def test_a_post_without_the_session_token_is_refused(client: TestClient) -> None:
    _login(client, "olivia")
    assert client.post("/verify", data={"csrf": "forged"}).status_code == 403
    r = client.post("/verify", data={"csrf": _csrf(client.get("/verify").text)})
    assert r.status_code == 200 and "audit log OK: 30 entries" in r.text


def test_accounts_see_only_their_tenants(client: TestClient) -> None:
    _login(client, "ann")
    page = client.get("/log").text
    assert "globex" not in page and "acme" in page
    assert client.get("/log?tenant=globex").status_code == 400
    globex_id = 25
    assert client.get(f"/log/{globex_id}").status_code == 404


def test_a_reviewer_cannot_read_the_log(client: TestClient) -> None:
    _login(client, "rita")
    assert client.get("/log").status_code == 403


def test_the_entry_page_shows_a_verified_inclusion_proof(client: TestClient) -> None:
    _login(client, "olivia")
    r = client.get("/log/7")
    assert "Verified: included in the signed head of size 30" in r.text
    assert r.text.count("<code>") > 10


def test_search_filters_by_kind_and_destination(client: TestClient) -> None:
    _login(client, "olivia")
    page = client.get("/log?kind=cloud_call&destination=eu-llm").text
    kinds = re.findall(r"<td>(section|cloud_call|request|egress_block)</td>", page)
    assert kinds and set(kinds) == {"cloud_call"}


def test_an_exported_bundle_verifies_and_a_tampered_one_does_not(
    client: TestClient, tmp_path: Path
) -> None:
    _login(client, "olivia")
    token = _csrf(client.get("/export").text)
    r = client.post(
        "/export",
        data={"csrf": token, "tenant": "acme", "since": "2026-01-01", "until": "2027-01-01"},
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        zf.extractall(tmp_path / "x")
    assert verify_export(tmp_path / "x" / "export").entries == 20
    up = client.post(
        "/verify-export",
        data={"csrf": _csrf(client.get("/verify-export").text)},
        files={"bundle": ("e.zip", r.content, "application/zip")},
    )
    assert "export OK: 20 entries" in up.text
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(r.content)) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("entries.jsonl"):
                data = data.replace(b'"bytes_sent":100', b'"bytes_sent":999', 1)
            dst.writestr(info, data)
    bad = client.post(
        "/verify-export",
        data={"csrf": _csrf(client.get("/verify-export").text)},
        files={"bundle": ("e.zip", tampered.getvalue(), "application/zip")},
    )
    assert 'class="error"' in bad.text


def test_an_unsafe_zip_is_refused_before_anything_is_written(client: TestClient) -> None:
    _login(client, "olivia")
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../escape.txt", "x")
    r = client.post(
        "/verify-export",
        data={"csrf": _csrf(client.get("/verify-export").text)},
        files={"bundle": ("e.zip", evil.getvalue(), "application/zip")},
    )
    assert r.status_code == 400 and "unsafe path" in r.text


def test_the_vendored_chart_library_matches_its_recorded_digest() -> None:
    readme = (VENDOR / "README.md").read_text()
    digest = hashlib.sha256((VENDOR / "chart.umd.min.js").read_bytes()).hexdigest()
    assert f"`{digest}`" in readme
    assert (VENDOR / "chart.js.LICENSE.md").read_text().startswith("The MIT License")


def test_the_example_console_config_loads() -> None:
    root = Path(__file__).resolve().parents[3]
    config = load_console_config(root / "examples" / "console.yaml")
    assert {a.role for a in config.accounts.values()} == {"compliance", "reviewer", "admin"}
    assert config.review is not None and "northbank" in config.review.token_files
    assert config.accounts["adam"].may_see("anyone")
    assert not check_password("anything", config.accounts["olivia"].password_scrypt)
