"""Calibrate the egress scanner's ``high_entropy`` rule: false positives on the project's
own text against hits on realistic keys, at several thresholds, in one run.

    python -m bench.entropy_calibration [--n 3000] [--keys 2000]

False positives: the sample documents under ``examples/documents`` and generated
sections (``models.datagen``, train/dev/test splits): a section counts if the rule fires
anywhere outside its gold SECRET spans. Git commit ids, SHA-256 digests and UUIDs that the
generator plants as hard negatives are counted apart (``hex``), since the scanner flags
long hex tokens on purpose. Hits: generated keys of the shapes providers issue (AWS
access key ids and secret keys, GitHub classic and fine-grained tokens, Slack bot tokens,
Stripe keys, Google API keys, JWTs, generic base64/base64url/hex secrets of 32-64
characters), each alone in a sentence. Also: the rule's recall on the generator's gold
SECRET spans (passwords written by people are not its job).
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import string
from collections.abc import Callable
from pathlib import Path

import agent.egress.scanner as scanner_module
from agent.egress.scanner import IndependentScanner
from models.datagen import generate

ROOT = Path(__file__).resolve().parents[1]
B62 = string.ascii_letters + string.digits
B64 = B62 + "+/"
B64URL = B62 + "-_"
AWS_ID = string.ascii_uppercase + "234567"


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def key_makers() -> dict[str, Callable[[random.Random], str]]:
    def jwt(rng: random.Random) -> str:
        claims = {"sub": str(rng.randrange(10**9)), "name": "x", "iat": rng.randrange(2**31)}
        header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
        return f"{header.decode()}.{body.decode()}.{_pick(rng, B64URL, 43)}"

    return {
        "aws_access_key_id": lambda r: "AKIA" + _pick(r, AWS_ID, 16),
        "aws_secret_key": lambda r: _pick(r, B64, 40),
        "github_classic": lambda r: "ghp_" + _pick(r, B62, 36),
        "github_fine_grained": lambda r: (
            "github_pat_" + _pick(r, B62, 22) + "_" + _pick(r, B62, 59)
        ),
        "slack_bot": lambda r: (
            f"xoxb-{_pick(r, string.digits, 12)}-{_pick(r, string.digits, 13)}-" + _pick(r, B62, 24)
        ),
        "stripe_live": lambda r: "sk_live_" + _pick(r, B62, 24),
        "google_api": lambda r: "AIza" + _pick(r, B64URL, 35),
        "jwt": jwt,
        "base64_32": lambda r: base64.b64encode(r.randbytes(24)).decode(),
        "base64_44": lambda r: base64.b64encode(r.randbytes(32)).decode(),
        "base64_64": lambda r: base64.b64encode(r.randbytes(48)).decode(),
        "base64url_43": lambda r: base64.urlsafe_b64encode(r.randbytes(32)).decode().rstrip("="),
        "hex_32": lambda r: r.randbytes(16).hex(),
        "hex_40": lambda r: r.randbytes(20).hex(),
        "hex_64": lambda r: r.randbytes(32).hex(),
    }


_WORD_LINES = (
    "user account customer invoice payment service manager handler config settings",
    "report export import backup archive session request response client server",
    "database table index cache queue worker job task build release deploy staging",
    "production london paris berlin matter contract review draft final version",
)
WORDS = [w for line in _WORD_LINES for w in line.split()]


def hard_negatives(rng: random.Random, n: int) -> list[str]:
    """Long tokens that are not secrets: identifiers, paths, references, versions."""

    def word() -> str:
        return rng.choice(WORDS)

    def num() -> str:
        return str(rng.choice([1, 2, 3, 10, 42, 2023, 2024, 2025, rng.randrange(10**6)]))

    makers: list[Callable[[], str]] = [
        lambda: "".join(w.capitalize() for w in (word(), word(), word())) + num(),
        lambda: word() + "".join(w.capitalize() for w in (word(), word())) + "V" + num(),
        lambda: "_".join((word(), word(), num(), word())),
        lambda: "/".join(("", word(), word(), num(), word(), word())),
        lambda: "-".join((word(), word(), num(), word(), num())),
        lambda: f"{word().upper()}-{num()}-{word().upper()}-{rng.randrange(10**4):04d}",
        lambda: f"{word()}{num()}{word().capitalize()}{num()}{word()}",
        lambda: f"{word()}/{word()}-{word()}-{num()}/{word()}_{num()}",
    ]
    return [rng.choice(makers)() for _ in range(n)]


def sections(n: int) -> list[tuple[str, str, list[tuple[int, int]]]]:
    out: list[tuple[str, str, list[tuple[int, int]]]] = []
    for path in sorted((ROOT / "examples" / "documents").rglob("*.txt")):
        out.append(("examples", path.read_text(encoding="utf-8"), []))
    per_split = max(1, n // 3)
    for split, seed in (("train", 13), ("dev", 13), ("test", 7)):
        for s in generate(split=split, n=per_split, seed=seed):
            gold = [(a, b) for a, b, t in s.spans if t == "SECRET"]
            out.append((f"datagen/{split}", s.text, gold))
    return out


def _is_hex_negative(token: str) -> bool:
    body = token.replace("-", "")
    return all(c in "0123456789abcdefABCDEF" for c in body)


def run(n: int, n_keys: int, grid: list[tuple[float, float]]) -> dict[str, object]:
    texts = sections(n)
    keys = key_makers()
    rng = random.Random(7)
    planted = {kind: [make(rng) for _ in range(n_keys)] for kind, make in keys.items()}
    scanner = IndependentScanner()
    original = scanner_module.ENTROPY_SHARE, scanner_module.MIN_SWITCH_RATE
    table: dict[str, object] = {}
    try:
        for share, switches in grid:
            scanner_module.ENTROPY_SHARE, scanner_module.MIN_SWITCH_RATE = share, switches
            fp_sections = fp_hex_sections = gold_found = gold_total = 0
            fp_examples: list[str] = []
            hex_examples: list[str] = []
            for _, text, gold in texts:
                found = [f for f in scanner.scan(text) if f.rule == "high_entropy"]
                outside = [f for f in found if not any(a < f.end and f.start < b for a, b in gold)]
                plain = [f for f in outside if not _is_hex_negative(text[f.start : f.end])]
                fp_sections += bool(plain)
                fp_hex_sections += bool(outside) and not plain
                if outside and not plain and len(hex_examples) < 10:
                    f = outside[0]
                    hex_examples.append(text[max(0, f.start - 30) : f.end][:100])
                if plain and len(fp_examples) < 40:
                    fp_examples.append(text[plain[0].start : plain[0].end][:60])
                gold_total += len(gold)
                gold_found += sum(
                    any(f.start < b and a < f.end for f in scanner.scan(text)) for a, b in gold
                )
            negatives = hard_negatives(random.Random(11), 2000)
            hard_fp = [t for t in negatives if scanner.scan(f"see {t} here")]
            hits = {
                kind: sum(
                    any(f.entity_type is not None for f in scanner.scan(f"the key is {k} ok"))
                    for k in ks
                )
                / len(ks)
                for kind, ks in planted.items()
            }
            table[f"share {share:.2f} switches {switches:.2f}"] = {
                "sections": len(texts),
                "fp_sections": fp_sections,
                "fp_rate": fp_sections / len(texts),
                "hex_only_fp_sections": fp_hex_sections,
                "hex_examples": hex_examples,
                "gold_secret_recall": gold_found / max(1, gold_total),
                "gold_secrets": gold_total,
                "hit_rate": hits,
                "fp_examples": fp_examples,
                "hard_negative_fp_rate": len(hard_fp) / len(negatives),
                "hard_negative_fp_examples": hard_fp[:10],
            }
    finally:
        scanner_module.ENTROPY_SHARE, scanner_module.MIN_SWITCH_RATE = original
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=3000, help="generated sections")
    parser.add_argument("--keys", type=int, default=500, help="keys per kind")
    parser.add_argument("--shares", type=float, nargs="+", default=[0.80, 0.85, 0.90])
    parser.add_argument("--switches", type=float, nargs="+", default=[0.30, 0.38, 0.45])
    args = parser.parse_args(argv)
    grid = [(a, b) for a in args.shares for b in args.switches]
    print(json.dumps(run(args.n, args.keys, grid), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
