"""``bastion policy check | test | explain``.

- ``check FILE...``: every problem of each policy with file:line:col; exit 1 if any
  policy is invalid, 2 if a file cannot be read.
- ``test DIR``: run the YAML policy test cases under DIR; PASS/FAIL per case; exit 1 on
  any failure or broken test file, 2 if DIR (or a single test file) does not exist.
- ``explain --policy FILE [--tenant T] [--source-jurisdiction J] DOCUMENT``: run the
  document and the instruction through the agent's pipeline up to the send (real local
  models, real egress re-check; nothing sent or recorded), then show per unit which rules
  matched, why, and whether it would leave.
- ``keygen --key PATH``: a new Ed25519 policy signing key (hex seed, mode 0600).
- ``sign --key KEY POLICY.yaml --out BUNDLE``: validate the policy and write a signed
  bundle (see agent/policy/bundle.py and docs/policy.md "Signed bundles").
- ``verify-bundle --public-key HEX_OR_FILE BUNDLE``: check a bundle as an agent would;
  exit 1 if it does not verify, 2 if it cannot be read or a key is malformed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from agent.policy.engine import PolicyEngine
from agent.policy.loader import check_policy_text, policy_version
from agent.policy.testing import run_tests
from bastion.crypto import IntegrityError, SigningKey
from bastion.errors import CheckFailed, InvalidInput, PolicyError

MAX_DOCUMENT_BYTES = 20_000_000


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "policy", help="check, test and explain residency policies"
    )
    psub = p.add_subparsers(dest="policy_command", required=True, metavar="SUBCOMMAND")

    check = psub.add_parser("check", help="validate policy files; print every error")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.set_defaults(func=cmd_check)

    test = psub.add_parser("test", help="run YAML policy test cases (like `opa test`)")
    test.add_argument("directory", type=Path, metavar="DIR")
    test.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    test.set_defaults(func=cmd_test)

    explain = psub.add_parser("explain", help="show which rules match each section and why")
    explain.add_argument("--policy", required=True, type=Path, metavar="FILE")
    explain.add_argument("--tenant", help="tenant (default: the policy's only tenant)")
    explain.add_argument(
        "--source-jurisdiction", help="default: the tenant's jurisdiction if it has one"
    )
    explain.add_argument("--backend", default="onnx", choices=["onnx", "openvino"])
    explain.add_argument(
        "--instruction",
        default="Summarise the key points of these sections.",
        help="the task instruction, decided like a section (as `bastion route` sends it)",
    )
    explain.add_argument("--json", action="store_true", help="machine-readable output")
    explain.add_argument(
        "--show-headings", action="store_true", help="print section headings (document text)"
    )
    explain.add_argument("document", type=Path, metavar="DOCUMENT")
    explain.set_defaults(func=cmd_explain)

    keygen = psub.add_parser("keygen", help="create an Ed25519 policy signing key")
    keygen.add_argument("--key", required=True, type=Path, metavar="PATH")
    keygen.set_defaults(func=cmd_keygen)

    sign = psub.add_parser("sign", help="validate a policy and write a signed bundle")
    sign.add_argument("--key", required=True, type=Path, metavar="KEY", help="signing key file")
    sign.add_argument("policy", type=Path, metavar="POLICY.yaml")
    sign.add_argument("--out", required=True, type=Path, metavar="BUNDLE")
    sign.set_defaults(func=cmd_sign)

    verify = psub.add_parser("verify-bundle", help="verify a signed policy bundle")
    verify.add_argument(
        "--public-key",
        required=True,
        action="append",
        metavar="HEX_OR_FILE",
        help="a trusted public key (repeatable, e.g. old and new during key rotation)",
    )
    verify.add_argument("bundle", type=Path, metavar="BUNDLE")
    verify.set_defaults(func=cmd_verify_bundle)


def cmd_check(args: argparse.Namespace) -> int:
    failed = unreadable = False
    for path in args.files:
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            print(f"bastion: error: {path}: cannot read ({type(exc).__name__})", file=sys.stderr)
            unreadable = True
            continue
        policy, issues = check_policy_text(content, str(path))
        for issue in issues:
            print(issue)
        if policy is None or issues:
            failed = True
            continue
        print(
            f"{path}: ok ({policy_version(content)}; {len(policy.destinations)} destinations, "
            f"{len(policy.tenants)} tenants, {len(policy.rules)} rules)"
        )
    return 2 if unreadable else 1 if failed else 0


def cmd_test(args: argparse.Namespace) -> int:
    if not Path(args.directory).exists():
        raise InvalidInput(f"{args.directory}: no such policy test directory or file")
    results = run_tests(args.directory)
    for result in results:
        if not (args.quiet and result.passed):
            print(result)
    passed = sum(r.passed for r in results)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def cmd_explain(args: argparse.Namespace) -> int:
    import asyncio
    import tempfile

    from agent.domain import DocumentRequest, Task
    from agent.policy.explain import explain_prepared, render_text, to_json
    from agent.wiring import offline_pipeline

    engine = PolicyEngine.load(args.policy)
    tenant = _tenant(engine, args.tenant)
    source = _source_jurisdiction(engine, tenant, args.source_jurisdiction)
    text = _read_document(args.document)
    request = DocumentRequest(tenant, args.document.stem or "document", source, text)
    task = Task(args.instruction, "FUSION")
    with tempfile.TemporaryDirectory(prefix="bastion-explain-") as workdir:
        pipeline = offline_pipeline(engine, args.backend, Path(workdir))
        prepared = asyncio.run(pipeline.prepare(request, task, as_if_cloud=True))
    explanations = explain_prepared(prepared)
    if args.json:
        json.dump(
            {
                "policy": engine.name,
                "policy_version": engine.version,
                "tenant": tenant,
                "source_jurisdiction": source,
                **to_json(explanations),
            },
            sys.stdout,
            indent=2,
        )
        print()
    else:
        print(render_text(engine, explanations, show_headings=args.show_headings))
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    path: Path = args.key
    if path.exists():
        raise PolicyError(f"{path} exists; refusing to overwrite a signing key")
    try:
        key = SigningKey.load_or_create(path)
    except OSError as exc:
        raise PolicyError(f"{path}: cannot create key file ({type(exc).__name__})") from None
    print(
        f"created policy signing key {key.key_id} in {path}; public key {key.verify_key.to_hex()}"
    )
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    from agent.policy.bundle import sign_bundle, write_bundle

    try:
        key = SigningKey.load(args.key)
    except IntegrityError as exc:
        raise PolicyError(f"policy signing key: {exc}") from None
    try:
        content = Path(args.policy).read_bytes()
    except OSError as exc:
        raise PolicyError(f"{args.policy}: cannot read policy ({type(exc).__name__})") from None
    bundle = sign_bundle(content, key, time.time())
    try:
        write_bundle(Path(args.out), bundle)
    except OSError as exc:
        raise PolicyError(f"{args.out}: cannot write bundle ({type(exc).__name__})") from None
    print(f"signed {policy_version(content)} with key {key.key_id} into {args.out}")
    return 0


def cmd_verify_bundle(args: argparse.Namespace) -> int:
    from agent.policy.bundle import engine_of, read_bundle, trusted_keys

    keys = trusted_keys(args.public_key)  # a malformed key: PolicyError, exit 2
    if not Path(args.bundle).is_file():
        raise InvalidInput(f"{args.bundle}: policy bundle not found")
    try:
        bundle = read_bundle(Path(args.bundle), keys)
        engine_of(bundle, str(args.bundle))  # a signed but invalid policy still fails here
    except PolicyError as exc:
        raise CheckFailed(str(exc)) from None
    print(f"bundle OK: {bundle.policy_version} signed at {bundle.signed_at} by key {bundle.key_id}")
    return 0


def _tenant(engine: PolicyEngine, given: str | None) -> str:
    tenants = sorted(engine.policy.tenants)
    if given:
        if not engine.tenant_known(given):
            raise PolicyError(f"tenant {given!r} is not in the policy (tenants: {tenants})")
        return given
    if len(tenants) != 1:
        raise InvalidInput(f"--tenant is required (tenants: {', '.join(tenants)})")
    return tenants[0]


def _source_jurisdiction(engine: PolicyEngine, tenant: str, given: str | None) -> str:
    if given:
        return given
    jurisdictions = sorted(engine.policy.tenants[tenant].jurisdictions)
    if len(jurisdictions) != 1:
        raise InvalidInput(
            f"--source-jurisdiction is required (tenant has {', '.join(jurisdictions)})"
        )
    return jurisdictions[0]


def _read_document(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise InvalidInput(f"{path}: document is larger than {MAX_DOCUMENT_BYTES} bytes")
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: document not found") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: document is not UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read document ({type(exc).__name__})") from None
