"""agent/detect/function_words.txt is generated; fail when it is stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_function_words_file_is_up_to_date() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_function_words.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_no_generated_name_is_a_function_word() -> None:
    from faker import Faker

    from agent.detect.merge import function_words

    stop = function_words()
    for locale in ("en_US", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT"):
        fake = Faker(locale)
        fake.seed_instance(5)
        for _ in range(300):
            for word in f"{fake.first_name()} {fake.last_name()} {fake.city()}".split():
                assert word.lower() not in stop, locale
