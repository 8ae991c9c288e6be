"""Value generators, look-alikes and obfuscations: one table per family."""

from __future__ import annotations

import random

import pytest
from faker import Faker

from models.datagen.adversarial import (
    ZERO_WIDTH,
    break_line,
    fullwidth_digits,
    insert_zero_width,
    obfuscate_email,
)
from models.datagen.checksums import iban_ok, luhn_ok, nhs_ok, nino_ok, ssn_ok
from models.datagen.ctx import given_name, surname
from models.datagen.negatives import Negatives
from models.datagen.values import LOCALES, Values, ascii_fold


@pytest.fixture(params=LOCALES)
def values(request: pytest.FixtureRequest) -> Values:
    fake = Faker(request.param)
    fake.seed_instance(5)
    return Values(random.Random(5), fake, request.param)


def test_identifiers_are_valid(values: Values) -> None:
    for _ in range(200):
        assert luhn_ok("".join(ch for ch in values.credit_card() if ch.isdigit()))
        assert iban_ok(values.iban())
        assert nhs_ok(values.uk_nhs())
        assert ssn_ok(values.us_ssn())
        assert nino_ok(values.uk_nino())


def test_lookalikes_fail_their_checks(values: Values) -> None:
    neg = Negatives(values)
    for _ in range(200):
        assert not luhn_ok("".join(ch for ch in neg.bad_luhn() if ch.isdigit()))
        assert not iban_ok(neg.bad_iban())


@pytest.mark.parametrize(
    ("number", "ok"),
    [("4111 1111 1111 1111", True), ("4111 1111 1111 1112", False)],
)
def test_luhn_table(number: str, ok: bool) -> None:
    assert luhn_ok(number.replace(" ", "")) is ok


@pytest.mark.parametrize(
    ("iban", "ok"),
    [
        ("GB82 WEST 1234 5698 7654 32", True),
        ("GB83 WEST 1234 5698 7654 32", False),
        ("DE89370400440532013000", True),
    ],
)
def test_iban_table(iban: str, ok: bool) -> None:
    assert iban_ok(iban) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("943 476 5919", True), ("943 476 5918", False), ("078-05-1120", None)],
)
def test_nhs_and_ssn_tables(value: str, ok: bool | None) -> None:
    if ok is None:
        assert ssn_ok(value) and not ssn_ok("666-05-1120") and not ssn_ok("078-00-1120")
    else:
        assert nhs_ok(value) is ok


@pytest.mark.parametrize(
    ("nino", "ok"),
    [("AB 12 34 56 C", True), ("GB123456A", False), ("DA123456A", False), ("AB123456E", False)],
)
def test_nino_table(nino: str, ok: bool) -> None:
    assert nino_ok(nino) is ok


def test_obfuscations_keep_the_value_recoverable() -> None:
    rng = random.Random(1)
    email = obfuscate_email(random.Random(0), "jane.doe@example.com")
    assert "@" not in email and email.startswith("jane.doe") and "example" in email
    zw = insert_zero_width(rng, "GB82WEST12345698765432")
    assert any(z in zw for z in ZERO_WIDTH)
    assert "".join(ch for ch in zw if ch not in ZERO_WIDTH) == "GB82WEST12345698765432"
    assert fullwidth_digits("078-05") == "\uff10\uff17\uff18-\uff10\uff15"
    broken = break_line(rng, "943 476 5919")
    assert "\n" in broken and broken.replace("\n", " ") == "943 476 5919"


@pytest.mark.parametrize(
    ("name", "last", "first"),
    [
        ("E. Jonker", "Jonker", None),
        ("WINKLER Karl-Otto", "WINKLER", "Karl-Otto"),
        ("Doe, Jane", "Doe", "Jane"),
        ("Lenn van der Sloot", "van der Sloot", "Lenn"),
        ("Jane Q. Doe", "Doe", "Jane"),
    ],
)
def test_name_parts(name: str, last: str, first: str | None) -> None:
    assert surname(name) == last
    assert given_name(name) == first


def test_ascii_fold_for_email_local_parts() -> None:
    assert ascii_fold("Gérard") == "Gerard"
    assert ascii_fold("Weiß") == "Weiss"


@pytest.mark.parametrize("module", ["kinds_train", "kinds_test"])
def test_every_local_language_template_renders_with_exact_spans(module: str) -> None:
    import importlib

    from models.datagen.ctx import Ctx
    from models.datagen.slots import render

    local = importlib.import_module(f"models.datagen.{module}.local").LOCAL
    assert set(local) == {"de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT"}
    for locale, pools in local.items():
        assert len(pools) == 7
        for templates in pools.values():
            for template in templates:
                fake = Faker(locale)
                fake.seed_instance(1)
                c = Ctx(random.Random(1), fake, locale, adversarial=0.0, noise=0.0)
                render(c, template)
                text = c.doc.text
                assert "{" not in text and "}" not in text
                for start, end, _ in c.doc.spans:
                    assert text[start:end] == text[start:end].strip() != ""


def test_unknown_slot_is_an_error() -> None:
    from models.datagen.ctx import Ctx
    from models.datagen.slots import render

    c = Ctx(random.Random(1), Faker("en_US"), "en_US", adversarial=0.0, noise=0.0)
    with pytest.raises(ValueError, match="unknown slot"):
        render(c, "hello {NAME}")
