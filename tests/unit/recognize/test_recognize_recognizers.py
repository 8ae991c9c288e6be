"""One table per recognizer: what it must find, and the lookalikes it must not.

Each row is ``(text, expected)`` where ``expected`` lists the exact substrings reported
at or above the engine's default threshold; an empty list is a no-match row.
"""

from __future__ import annotations

import copy
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.recognize.engine import DEFAULT_MIN_SCORE
from agent.recognize.pattern import PatternRecognizer
from agent.recognize.registry import BUILTIN


@cache
def _recognizer(name: str) -> PatternRecognizer:
    return BUILTIN[name]()


def found(name: str, text: str) -> list[str]:
    hits = [c for c in _recognizer(name).find(text) if c.score >= DEFAULT_MIN_SCORE]
    return sorted({text[c.start : c.end] for c in hits}, key=text.index)


def test_every_builtin_is_in_a_table() -> None:
    tested = {
        "email", "phone", "ip_address", "credit_card", "iban", "us_ssn", "uk_nhs", "uk_nino",
        "uk_nhs_loose",
        "passport", "national_id", "prose_secrets", "contextual_tokens", "date_of_birth",
        "medical_record_number",
        "cloud_tokens",
        "aws_secret_key", "config_secrets", "url_credentials", "private_key_block",
        "bearer_tokens", "person_hints", "street_address", "street_address_de_nl", "postcode",
        "person_fields", "location_fields", "organization_fields", "person_in_mail",
        "person_quoted",
    }  # fmt: skip
    assert set(BUILTIN) == tested


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jane.doe@example.com today", ["jane.doe@example.com"]),
        ("J.Smith+tag@sub.mail.example.co.uk,", ["J.Smith+tag@sub.mail.example.co.uk"]),
        ("mailto:ops@bank.example", ["ops@bank.example"]),
        ("jane..doe@example.com", []),  # consecutive dots
        ("user@localhost", []),  # no domain suffix
        ("@example.com and jane@", []),
        ("price 5@3.50", []),
        # the domain scrubbed: the local part (often a name) is still found
        ("Email: priya.sharma@[redacted]", ["priya.sharma"]),
        ("mail k.ullmann@*** or j.doe@<domain removed>", ["k.ullmann", "j.doe"]),
        ("Contact: anna.b@... today", ["anna.b"]),
        ("meet @ 5pm, price 5@ [list]", []),
    ],
)
def test_email(text: str, expected: list[str]) -> None:
    assert found("email", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call +44 20 7946 0958 now", ["+44 20 7946 0958"]),
        ("Tel: +49 (0)30 1234567", ["+49 (0)30 1234567"]),
        ("Tel.+44 20 7946 0958", ["+44 20 7946 0958"]),
        ("ratio 3.020 7946 0958", []),
        ("+1-202-555-0143", ["+1-202-555-0143"]),
        ("+33 1 23 45 67 89", ["+33 1 23 45 67 89"]),
        ("phone 0044 20 7946 0958", ["0044 20 7946 0958"]),
        ("(202) 555-0143", ["(202) 555-0143"]),
        ("202-555-0143", ["202-555-0143"]),
        ("US office: 1-800-555-0199", ["1-800-555-0199"]),
        ("mobile 07700 900123", ["07700 900123"]),  # UK
        ("020 7946 0958", ["020 7946 0958"]),  # UK London
        ("Telefon 030 12345678", ["030 12345678"]),  # DE
        ("(089) 1234567", ["(089) 1234567"]),  # DE with parenthesised area code
        ("Tél. 01 23 45 67 89", ["01 23 45 67 89"]),  # FR
        ("bel 020-1234567", ["020-1234567"]),  # NL
        ("06-12345678", ["06-12345678"]),  # NL mobile
        ("teléfono 612 345 678", ["612 345 678"]),  # ES, needs context
        ("cellulare 333 123 4567", ["333 123 4567"]),  # IT mobile, needs context
        ("telefono 06 1234 5678", ["06 1234 5678"]),  # IT Rome
        ("612 345 678", []),  # a bare 3-3-3 group could be anything
        ("Order 020-7946-0958", []),  # reference words veto
        ("invoice no. 0123456789", []),
        ("123-456-7890", []),  # NANP area codes never start with 1
        ("on 01.02.2023 at 12:30", []),  # dates and times
        ("When: 08/05/2025 16:00-12:30", []),
        ("total 1,234,567.89 EUR", []),
        ("5550", []),
    ],
)
def test_phone(text: str, expected: list[str]) -> None:
    assert found("phone", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from 192.168.1.20 at noon", ["192.168.1.20"]),
        ("host 10.0.0.1.", ["10.0.0.1"]),
        ("ip fe80::1ff:fe23:4567:890a", ["fe80::1ff:fe23:4567:890a"]),
        ("src 2001:db8::ff00:42:8329", ["2001:db8::ff00:42:8329"]),
        ("::ffff:192.0.2.128 mapped", ["::ffff:192.0.2.128"]),
        ("version 10.2.3.4", []),  # a version number
        ("release v1.2.3.4", []),
        ("clause 1.2.3.4 applies", []),
        ("999.1.1.1", []),  # octet out of range
        ("1.2.3", []),
        ("01.02.03.04", []),  # leading zeros are not an address
        ("at 12:30:45 sharp", []),  # a time, not IPv6
        ("std::vector", []),
        ("::", []),
    ],
)
def test_ip_address(text: str, expected: list[str]) -> None:
    assert found("ip_address", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111 exp 12/27", ["4111 1111 1111 1111"]),
        ("4111-1111-1111-1111", ["4111-1111-1111-1111"]),
        ("4111111111111111", ["4111111111111111"]),
        ("Amex 3400 000000 00009", ["3400 000000 00009"]),
        ("MC 5500 0000 0000 0004.", ["5500 0000 0000 0004"]),
        ("4111 1111 1111 1111 202 trailing", ["4111 1111 1111 1111"]),
        ("4111 1111 1111 1112", []),  # Luhn-invalid
        ("1234 5678 9012 3456", []),
        ("order 4111111111111111", []),  # reference words veto even a valid Luhn
        ("invoice 4111 1111 1111 1111", []),
        ("9111 1111 1111 1119", []),  # no card network starts with 9
        ("41111111111111111111111", []),  # too long
    ],
)
def test_credit_card(text: str, expected: list[str]) -> None:
    assert found("credit_card", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN GB82 WEST 1234 5698 7654 32.", ["GB82 WEST 1234 5698 7654 32"]),
        ("GB82WEST12345698765432", ["GB82WEST12345698765432"]),
        ("DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX", ["DE89 3704 0044 0532 0130 00"]),
        ("FR14 2004 1010 0505 0001 3M02 606", ["FR14 2004 1010 0505 0001 3M02 606"]),
        ("NL91ABNA0417164300", ["NL91ABNA0417164300"]),
        ("ES91 2100 0418 4502 0005 1332", ["ES91 2100 0418 4502 0005 1332"]),
        ("IT60 X054 2811 1010 0000 0123 456", ["IT60 X054 2811 1010 0000 0123 456"]),
        ("GB82 WEST 1234 5698 7654 33", []),  # bad check
        ("DE89 3704 0044 0532 0130 0", []),  # too short
        ("DE89370400440532013000123", []),  # too long, glued
        ("AB12 3456 7890 1234 5678 90", []),  # no such country
    ],
)
def test_iban(text: str, expected: list[str]) -> None:
    assert found("iban", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 536-22-1234", ["536-22-1234"]),
        ("536-22-1234", ["536-22-1234"]),  # the dashed shape alone is enough
        ("social security number 536 22 1234", ["536 22 1234"]),
        ("SSN: 536221234", ["536221234"]),
        ("SSN 078-05-0000", []),  # serial 0000
        ("SSN 666-12-3456", []),
        ("SSN 912-12-3456", []),
        ("SSN 078-05-1120", []),
        ("536221234", []),  # nine bare digits need context
        ("536 22 1234", []),
        ("order 536-22-1234", []),
        ("phone 536-22-1234", []),
    ],
)
def test_us_ssn(text: str, expected: list[str]) -> None:
    assert found("us_ssn", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NHS number 943 476 5919", ["943 476 5919"]),
        ("NHS No: 9434765919", ["9434765919"]),
        ("943-476-5919", ["943-476-5919"]),
        ("ref 943 476 5919", []),  # reference words veto
        ("NHS number 943 476 5918", []),  # bad check digit
        ("NHS 123 456 7890", []),  # check digit 10: never issued
        ("tel 943 476 5919", []),  # a phone cue is nearer
    ],
)
def test_uk_nhs(text: str, expected: list[str]) -> None:
    assert found("uk_nhs", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NHS number 94 34 76 59 19", ["94 34 76 59 19"]),
        ("NHS No: 9434 765 919 today", ["9434 765 919"]),
        ("NHS number 943.476.5919", ["943.476.5919"]),
        ("NHS number 943  476  5919", ["943  476  5919"]),
        ("N.H.S. number 943-476-5919", ["943-476-5919"]),
        ("health service number 9434765919", ["9434765919"]),
        ("94 34 76 59 19", []),  # no cue: as often a phone number
        ("NHS number 94 34 76 59 18", []),  # bad check digit
        ("NHS: call 94 34 76 59 19", []),  # a phone cue is nearer
    ],
)
def test_uk_nhs_loose(text: str, expected: list[str]) -> None:
    assert found("uk_nhs_loose", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NINO AB 12 34 56 C", ["AB 12 34 56 C"]),
        ("national insurance number JG103759A.", ["JG103759A"]),
        ("JG103759A", ["JG103759A"]),
        ("QQ 12 34 56 C", []),  # invalid first letter
        ("BG 12 34 56 A", []),  # invalid prefix
        ("AB 12 34 56 E", []),  # invalid suffix
        ("AO123456C", []),
    ],
)
def test_uk_nino(text: str, expected: list[str]) -> None:
    assert found("uk_nino", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Passport No: 533380006", ["533380006"]),
        ("passport number C01X00T47 issued", ["C01X00T47"]),
        ("Reisepass: C01X00T47", ["C01X00T47"]),
        ("numéro de passeport 12AB34567", ["12AB34567"]),
        ("pasaporte PAA123456", ["PAA123456"]),
        ("passaporto YA1234567", ["YA1234567"]),
        ("paspoort NXC8L4R71", ["NXC8L4R71"]),
        ("533380006", []),  # no context
        ("order 533380006", []),
        ("passport renewal fee 2024 and invoice 533380006", []),  # digits between
        ("passport ABCDEFGH", []),  # no digits
    ],
)
def test_passport(text: str, expected: list[str]) -> None:
    assert found("passport", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("national ID card: 12AB34567", ["12AB34567"]),
        ("Personalausweis L01X00T47", ["L01X00T47"]),
        ("DNI: PAA123456", ["PAA123456"]),
        ("employee,national_id\nJ. Dupuis,22KM34136\n", ["22KM34136"]),
        ("national id 536221234", []),  # all digits: an SSN or a tax number, not this
        ("id card lost, order 4521 pending", []),
    ],
)
def test_national_id(text: str, expected: list[str]) -> None:
    assert found("national_id", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB: 12/03/1985", ["12/03/1985"]),
        ("Date of birth 1985-03-12.", ["1985-03-12"]),
        ("born on 12 March 1985 in Leeds", ["12 March 1985"]),
        ("born March 12, 1985", ["March 12, 1985"]),
        ("geboren am 03.04.1971", ["03.04.1971"]),
        ("née le 5 mars 1980", ["5 mars 1980"]),
        ("né le 1er janvier 1970", ["1er janvier 1970"]),
        ("fecha de nacimiento: 12 de marzo de 1975", ["12 de marzo de 1975"]),
        ("data di nascita 15/07/1990", ["15/07/1990"]),
        ("geboortedatum 01-02-1960", ["01-02-1960"]),
        ("Invoice date 12/03/2024", []),  # a date without birth context
        ("signed on 12 March 1985", []),
        ("DOB: 12/03/1985. Admission date: 14/05/2024", ["12/03/1985"]),
        ("born in Leeds, admitted 14/05/2024", []),  # a nearer non-birth cue
        ("DOB 31/02/1985", []),  # no such day
        ("DOB 12/13/1885", []),
        ("born 1985", []),  # a year alone is not a date
    ],
)
def test_date_of_birth(text: str, expected: list[str]) -> None:
    assert found("date_of_birth", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MRN: 00123456", ["00123456"]),
        ("Medical record number RX-448812", ["RX-448812"]),
        ("patient id H1234567", ["H1234567"]),
        ("Patientennummer 88812345", ["88812345"]),
        ("numéro de dossier 2024-55123", ["2024-55123"]),
        ("hosp. no. 567-893-923, d.o.b. 10 Aug 1970", ["567-893-923"]),
        ("hospital number A420717A.", ["A420717A"]),
        ("patient_name,hospital_number\nJ. Doe,PAT213968\n", ["PAT213968"]),
        ("record 00123456", []),  # no medical context
        ("Record: APHP6228213", ["APHP6228213"]),
        ("MRN pending", []),
        ("MRN: 123", []),  # too short
    ],
)
def test_medical_record_number(text: str, expected: list[str]) -> None:
    assert found("medical_record_number", text) == expected


_HEX = "9857ce41f35bda0c306f3b7e12cfc524"
_GHP = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
_PAT = "github_pat_11ABCDEFG0123456789_abcdefghijklmnop"
_GOOGLE = "AIzaSyA1234567890abcdefghijklmnopqrstuv"
_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", ["AKIAIOSFODNN7EXAMPLE"]),
        (f"token {_GHP} leaked", [_GHP]),
        (_PAT, [_PAT]),
        ("xoxb-123456789012-abcdefABCDEF", ["xoxb-123456789012-abcdefABCDEF"]),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", ["sk_live_4eC39HqLyjWDarjtT1zdp7dc"]),
        (f"key={_GOOGLE}", [_GOOGLE]),
        (f"jwt {_JWT}", [_JWT]),
        ("AKIAIOSFODNN7EXAMPL", []),  # one character short
        ("ghp_short", []),
        ("the sk_live_ prefix", []),
        ("eyJ alone", []),
    ],
)  # fmt: skip
def test_cloud_tokens(text: str, expected: list[str]) -> None:
    assert found("cloud_tokens", text) == expected


_AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"aws_secret_access_key = {_AWS_SECRET}", [_AWS_SECRET]),
        (f"AWS secret: {_AWS_SECRET}", [_AWS_SECRET]),
        (f"checksum {_AWS_SECRET}", []),  # 40 characters without context
        ("aws_secret_access_key = " + "a" * 40, []),  # one character class only
    ],
)
def test_aws_secret_key(text: str, expected: list[str]) -> None:
    assert found("aws_secret_key", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password=hunter2!", ["hunter2!"]),
        ("DB_PASSWORD='Sup3r$ecret'", ["Sup3r$ecret"]),
        ('{"api_key": "abcd1234efgh"}', ["abcd1234efgh"]),
        ("passwd: s3cr3t-pw", ["s3cr3t-pw"]),
        ("secret: x7Yq9Lm2", ["x7Yq9Lm2"]),
        ("token: 9f8e7d6c5b4a", ["9f8e7d6c5b4a"]),
        ("export API_KEY_PROD=abc123def456", ["abc123def456"]),
        ("Server=db;User Id=sa;Password=P@ssw0rd!;", ["P@ssw0rd!"]),
        ("<password>correcthorse9</password>", ["correcthorse9"]),
        ("client_secret: correcthorsebattery", ["correcthorsebattery"]),
        ("Passwort: Geheim123", ["Geheim123"]),
        ("password: ********", []),  # masked
        ("password: ${DB_PASSWORD}", []),  # a reference, not a value
        ("api_key: YOUR_API_KEY_HERE", []),  # placeholders in a settings template
        ("API_TOKEN=<bitte aus dem Tresor holen>", []),
        ("secret: env:API_TOKEN", []),
        ("pwd: [REDACTED]", []),
        ("password: example-pass9", ["example-pass9"]),  # digits: could be real
        ("password: required", []),  # prose
        ("password: null", []),
        ("max_tokens: 4096", []),
        ("secretary: Jane Smith", []),
        ("Passport: 533380006", []),
        ("tokenizer: bert-base", []),
        ("STRIPE_KEY=00f1c12e3f1bfb5a542360383dcea31f", ["00f1c12e3f1bfb5a542360383dcea31f"]),
        ("monkey: banana42", []),
        ("password: letmein", ["letmein"]),  # a config line of its own
        ("    SECRET: drop\n    CREDIT_CARD: drop\n", []),  # a policy setting
        ("token: abcd\n", []),  # a short word
        ("we have kept secret: Meridian", []),  # prose
        ("a supplier we have kept secret: Polani-Cagnin Group.", []),
        ("  - DB_PASS=hunter22", ["hunter22"]),
    ],
)
def test_config_secrets(text: str, expected: list[str]) -> None:
    assert found("config_secrets", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("login is qa_user, password Falcon139$", ["Falcon139$"]),
        ("pw for the test tenant is Monkey223", ["Monkey223"]),
        ("the wifi key is Tiger1981 The CI output", ["Tiger1981"]),
        (f"token {_HEX}, please rotate", [_HEX]),
        ("pw is lamp-staple-correct-quartz", ["lamp-staple-correct-quartz"]),
        ("Das Passwort ist Geheim-2024!", ["Geheim-2024!"]),
        ("Zugangsdaten: admin / Vx$eFTtr7fIaE3mjSp^J6&V.", ["Vx$eFTtr7fIaE3mjSp^J6&V"]),
        ("credentials: root / correct-violet-cobalt-horse", ["correct-violet-cobalt-horse"]),
        ("login: see the wiki / intranet", []),
        ("la password provvisoria della casella condivisa è Bastion976!.", ["Bastion976!"]),
        ("wachtwoord voor de testomgeving: Berlin481?.", ["Berlin481?"]),
        ("The admin console login is admin / Welcome1389?.", ["Welcome1389?"]),
        ("VPN fallback credentials: svc_backup / Secure1841!", ["Secure1841!"]),
        ("the password reset link expired", []),
        ("password policy requires 12 characters", []),
        ("your PIN is required", []),
        ("token https://example.com/x1", []),
        ("a supplier we have kept secret: Meridian Energy", []),
        ("password is 12345678", []),
        ("New Melinda, PW 07033", []),  # digits alone: a PIN-like number is left to context
    ],
)
def test_prose_secrets(text: str, expected: list[str]) -> None:
    assert found("prose_secrets", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"I pasted the deploy key by mistake: {_HEX}. Rotating now.", [_HEX]),
        (f"Found this in the build log: {_HEX} - please rotate", [_HEX]),
        (f"api key {_AWS_SECRET}", [_AWS_SECRET]),
        (f"commit key change in {'a1' * 20}", []),  # a 40-hex commit hash
        ("key 3a95576f-a8e1-41aa-a8c5-cf746a3e89f0", []),  # a UUID
        (f"sha256 key {'ab12' * 16}", []),
        (f"build log: {_HEX}", []),  # no key/token cue
    ],
)
def test_contextual_tokens(text: str, expected: list[str]) -> None:
    assert found("contextual_tokens", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgres://admin:s3cr3t@db.example.com:5432/app", ["s3cr3t"]),
        ("mongodb+srv://svc:p%40ss@cluster0.example.net", ["p%40ss"]),
        ("https://x-access-token:ghs_abc123@github.com/org/repo", ["ghs_abc123"]),
        ("https://abcdefghijklmnopqrstuvwx@github.com/o/r.git", ["abcdefghijklmnopqrstuvwx"]),
        ("https://example.com/path?a=b", []),
        ("https://user@example.com", []),  # a user name alone
        ("ssh://git@github.com:22/o/r", []),
    ],
)
def test_url_credentials(text: str, expected: list[str]) -> None:
    assert found("url_credentials", text) == expected


_KEY_BODY = "MIIEpAIBAAKCAQEA1b2c3\nd4e5f6+/==\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"-----BEGIN RSA PRIVATE KEY-----\n{_KEY_BODY}-----END RSA PRIVATE KEY-----",
         [f"-----BEGIN RSA PRIVATE KEY-----\n{_KEY_BODY}-----END RSA PRIVATE KEY-----"]),
        (f"x -----BEGIN PRIVATE KEY-----\n{_KEY_BODY}-----END PRIVATE KEY----- y",
         [f"-----BEGIN PRIVATE KEY-----\n{_KEY_BODY}-----END PRIVATE KEY-----"]),
        (f"-----BEGIN OPENSSH PRIVATE KEY-----\n{_KEY_BODY}\n(truncated)",
         [f"-----BEGIN OPENSSH PRIVATE KEY-----\n{_KEY_BODY.rstrip()}"]),
        ("-----BEGIN PGP PRIVATE KEY BLOCK-----\nabc\n-----END PGP PRIVATE KEY BLOCK-----",
         ["-----BEGIN PGP PRIVATE KEY BLOCK-----\nabc\n-----END PGP PRIVATE KEY BLOCK-----"]),
        ("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", []),
        ("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", []),
    ],
)  # fmt: skip
def test_private_key_block(text: str, expected: list[str]) -> None:
    assert found("private_key_block", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc123DEF456ghi789", ["abc123DEF456ghi789"]),
        ('"authorization": "Basic dXNlcjpwYXNzd29yZA=="', ["dXNlcjpwYXNzd29yZA=="]),
        ("curl -H 'Authorization: token 9f8e7d6c5b4a3f2e'", ["9f8e7d6c5b4a3f2e"]),
        ("bearer 0123456789abcdefABCDEF0123", ["0123456789abcdefABCDEF0123"]),
        ("Authorization: Bearer", []),
        ("the bearer of this letter", []),
        ("bearer bonds are obsolete", []),
    ],
)
def test_bearer_tokens(text: str, expected: list[str]) -> None:
    assert found("bearer_tokens", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dear Ms Okafor,", ["Okafor"]),
        ("Dear John Smith,", ["John Smith"]),
        ("follow-up with Prof. Jason K. Meadows at noon", ["Jason K. Meadows"]),
        ("Beste Grüße", []),
        ("Patient: Jane Doe", ["Jane Doe"]),
        ("Name: Mary-Ann O'Brien", ["Mary-Ann O'Brien"]),
        ("Mr. James McDonald signed", ["James McDonald"]),
        ("Sehr geehrter Herr Dr. Müller", ["Müller"]),
        ("Mme Dupont", ["Dupont"]),
        ("Estimada Sra. Núñez", ["Núñez"]),
        ("Gentile Sig.ra Rossi", ["Rossi"]),
        ("Geachte heer De Vries", ["De Vries"]),
        ("Claimant: Ludwig van Beethoven", ["Ludwig van Beethoven"]),
        ("Dear Sir or Madam,", []),
        ("Sehr geehrte Damne und Herren,", []),
        ("Dear Roy, Tammy,\n", ["Roy, Tammy"]),
        ("Dear Valued Customer", []),
        ("Client: Acme Holdings Ltd", []),  # an organisation
        ("Hi team", []),
        ("Name: john smith", []),  # lower case: left to the model
        ("Patient: Smith", []),  # a label needs a full name
    ],
)
def test_person_hints(text: str, expected: list[str]) -> None:
    assert found("person_hints", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lives at 12 High Street, London", ["12 High Street, London"]),
        ("Cornelisz LLP, 12 High Street, London", ["12 High Street, London"]),
        ("221B Baker Street", ["221B Baker Street"]),
        ("1600 Pennsylvania Avenue NW", ["1600 Pennsylvania Avenue NW"]),
        ("12 rue de la Paix, 75002 Paris", ["12 rue de la Paix, 75002 Paris"]),
        ("Calle Mayor 5, 28013 Madrid", ["Calle Mayor 5, 28013 Madrid"]),
        ("Via Roma 10", ["Via Roma 10"]),
        ("Piazza San Marco 1", ["Piazza San Marco 1"]),
        ("see section 12 of the Street Act", []),
        ("via email", []),
        ("12 apples", []),
    ],
)
def test_street_address(text: str, expected: list[str]) -> None:
    assert found("street_address", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hauptstraße 5, 10115 Berlin", ["Hauptstraße 5, 10115 Berlin"]),
        (
            "branch at Fröhlichstraße 816 - 14344 Kassel - Germany",
            ["Fröhlichstraße 816 - 14344 Kassel - Germany"],
        ),
        ("Berliner Straße 12", ["Berliner Straße 12"]),
        ("Musterstr. 7a", ["Musterstr. 7a"]),
        ("Keizersgracht 123", ["Keizersgracht 123"]),
        ("Kerkstraat 12", ["Kerkstraat 12"]),
        ("Straße", []),
        ("the Norwegian 12", []),
    ],
)
def test_street_address_de_nl(text: str, expected: list[str]) -> None:
    assert found("street_address_de_nl", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("London SW1A 1AA", ["London SW1A 1AA"]),
        ("moved to Lucasfort SY9 4AE last year", ["Lucasfort SY9 4AE"]),
        (
            "at 811 Parker Forge Apt. 014, Lake Julieport, TN 63973\nPhone",
            ["811 Parker Forge Apt. 014, Lake Julieport, TN 63973"],
        ),
        ("Manchester M1 1AE.", ["Manchester M1 1AE"]),
        ("San Francisco, CA 94105", ["San Francisco, CA 94105"]),
        ("in New York, NY 10001-1234", ["New York, NY 10001-1234"]),
        ("Adresse: 10115 Berlin", ["10115 Berlin"]),
        ("Wohnort 10115 Berlin", ["10115 Berlin"]),
        ("1015 CJ Amsterdam", ["1015 CJ Amsterdam"]),
        ("Invoice 10115 Total", []),
        ("Employee: Christopher Castillo  ID 75535", []),  # Idaho only after a comma
        ("12345", []),
        ("in 2024 EU rules", []),
        ("version 12345 Beta", []),
    ],
)
def test_postcode(text: str, expected: list[str]) -> None:
    assert found("postcode", text) == expected


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("person_fields", "Name\tEufemia Salvà\nDOB\t8-09-1995\n", ["Eufemia Salvà"]),
        ("person_fields", "patient_name,mrn\n\"Morgan, Stephen\",123456\n", ["Morgan, Stephen"]),
        ("person_fields", "user,email\nJasmijn de Hoog,nbrink@example.com\n", ["Jasmijn de Hoog"]),
        ("person_fields", "Name: 12345\n", []),
        ("person_fields", "name,qty\nwidget,12\n", []),  # no capital: not a person
        ("location_fields", "Address\tC. Clímaco Barros 18 - 34263 Barcelona\n",
         ["C. Clímaco Barros 18 - 34263 Barcelona"]),
        ("location_fields", "full_name,city\nLucy Le Marec,Linne\n", ["Linne"]),
        ("location_fields", "address: jane@example.com\n", []),
        ("organization_fields", "speaker,organisation\nAnna Berg,Halcyon Capital GmbH\n",
         ["Halcyon Capital GmbH"]),
        ("organization_fields", "Employer: Meridian Energy Inc.\n", ["Meridian Energy Inc."]),
        ("organization_fields", "employer: unknown\n", []),
    ],
)  # fmt: skip
def test_fields(name: str, text: str, expected: list[str]) -> None:
    assert found(name, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("From: Amira Everde <amira.everde@hotmail.com>", ["Amira Everde"]),
        ("An: Jörg Weitzel <j.weitzel@example.de>", ["Jörg Weitzel"]),
        ("Regards -\nNeil Hunt\nRelationship Manager", ["Neil Hunt"]),
        ("Met vriendelijke groet,\nAmira Everde\nT: 0533", ["Amira Everde"]),
        ("Best,\nThe Team\n", []),
        ("Thanks\nSee you Monday\n", []),
        ("From: Support <support@example.com>", []),  # one word: not a person
        ("Kind regards,\nAcme Holdings Ltd\n", []),
    ],
)
def test_person_in_mail(text: str, expected: list[str]) -> None:
    assert found("person_in_mail", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On 19-12-2024, Amira Everde wrote:\n> hi", ["Amira Everde"]),
        ("Le 3 mai, Marie Dupont a écrit :", ["Marie Dupont"]),
        ("Am 3. Mai schrieb Jörg Weitzel:", []),  # the name after the verb: not this shape
        ("The Board wrote: no", []),
    ],
)
def test_person_quoted(text: str, expected: list[str]) -> None:
    assert found("person_quoted", text) == expected


# -- which numeric regions are scanned --------------------------------------------------
_NUMERIC_PIECES = [
    "4111 1111 1111 1111", "378282246310005", "DE89 3704 0044 0532 0130 00",
    "GB82 WEST 1234 5698 7654 32", "gb82west12345698765432", "943 476 5919", "9434765919",
    "AB 12 34 56 C", "QQ123456C", "078-05-1120", "078 05 1120", "+44 20 7946 0958",
    "0044 20 7946 0958", "(202) 555-0143", "06-12345678", "192.168.0.1", "fe80::1", "a::b1",
    "SW1A 1AA", "GIR 0AA", "10115 Berlin", "75002 Paris", "Boise, ID 83702", "1012 AB Amsterdam",
    "00184 Roma", "10115 Überlingen", "28013 Ávila", "+49 89 1234", "089 123456", "2023",
    "12.03.2023", "£1,250.00", "v2.3", "ID", "Élysée", "card", "iban", "nhs", "ssn", "phone",
    "ip", "nino", "postcode",
]  # fmt: skip


def _same_with_every_region_scanned(text: str) -> None:
    for name, make in BUILTIN.items():
        recognizer = make()
        if not recognizer.numeric:
            continue
        unfiltered = copy.copy(recognizer)
        unfiltered.min_digits, unfiltered._needs = 0, None
        assert recognizer.find(text) == unfiltered.find(text), (name, text)


def test_skipping_numeric_regions_that_cannot_match_changes_nothing() -> None:
    """``min_digits`` and ``needs`` only skip regions where nothing would be found."""
    for a in _NUMERIC_PIECES:
        _same_with_every_region_scanned(a)
        for b in _NUMERIC_PIECES:
            _same_with_every_region_scanned(f"{a} {b}")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_NUMERIC_PIECES),
            st.sampled_from([" ", "  ", "\n", ", ", ": ", "-", ".", "/", "\t"]),
            st.from_regex(r"[0-9]{1,12}", fullmatch=True),
            st.from_regex(r"[A-Z]{1,3}[0-9]{1,3}", fullmatch=True),
        ),
        max_size=14,
    ).map("".join)
)
def test_skipping_numeric_regions_changes_nothing_in_any_mix(text: str) -> None:
    _same_with_every_region_scanned(text)
