"""SECRET: cloud keys, tokens, JWTs, passwords in config, credentials in URLs and
connection strings, private-key blocks, bearer tokens.

Why several recognizers rather than one: each has its own prefilter (a literal that must
occur somewhere in the text), so a section without ``AKIA``/``ghp_``/``://``/``password``
costs one substring search per recognizer, not a regex scan.
"""

from __future__ import annotations

import re

from agent.domain import EntityType
from agent.recognize.pattern import Pattern, PatternRecognizer
from agent.recognize.scan_text import Anchor, ScanText

_END = r"(?![A-Za-z0-9_\-])"


_VENDOR_PREFIXES = (
    "akia", "asia", "agpa", "aida", "aroa", "aipa", "anpa", "anva", "ghp_", "gho_", "ghu_",
    "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "https://hooks.slack.com", "sk_live_",
    "rk_live_", "sk_test_", "rk_test_", "aiza", "sk-", "sg.", "npm_", "eyj",
)  # fmt: skip


def cloud_tokens() -> PatternRecognizer:
    """Tokens whose vendor prefix makes them unmistakable."""
    return PatternRecognizer(
        "cloud_tokens",
        EntityType.SECRET,
        [
            Pattern("aws access key id", r"(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|"
                    r"ANVA)[A-Z0-9]{16}(?![A-Z0-9])", 0.95),
            Pattern("github token", rf"(?<![\w])gh[pousr]_[A-Za-z0-9]{{36,255}}{_END}", 0.95),
            Pattern("github fine-grained token", rf"(?<![\w])github_pat_[A-Za-z0-9_]{{22,255}}"
                    rf"{_END}", 0.95),
            Pattern("gitlab token", rf"(?<![\w])glpat-[A-Za-z0-9_\-]{{20,}}{_END}", 0.95),
            Pattern("slack token", rf"(?<![\w])xox[abposre]-[A-Za-z0-9\-]{{10,}}{_END}", 0.95),
            Pattern("slack webhook", r"https://hooks\.slack\.com/services/[A-Za-z0-9/_\-]{20,}",
                    0.95),
            Pattern("stripe key", rf"(?<![\w])(?:sk|rk)_live_[A-Za-z0-9]{{16,}}{_END}", 0.95),
            Pattern("stripe test key", rf"(?<![\w])(?:sk|rk)_test_[A-Za-z0-9]{{16,}}{_END}", 0.8),
            Pattern("google api key", rf"(?<![\w\-])AIza[0-9A-Za-z_\-]{{35}}{_END}", 0.95),
            Pattern("openai-style key", rf"(?<![\w\-])sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{{20,}}"
                    rf"{_END}", 0.9),
            Pattern("sendgrid key", rf"(?<![\w])SG\.[A-Za-z0-9_\-]{{22}}\.[A-Za-z0-9_\-]{{43}}"
                    rf"{_END}", 0.95),
            Pattern("npm token", rf"(?<![\w])npm_[A-Za-z0-9]{{36}}{_END}", 0.95),
            Pattern("jwt", r"(?<![\w\-])eyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\."
                    r"[A-Za-z0-9_\-]{10,}", 0.95),
        ],
        # every pattern starts with its vendor prefix: try them only where one occurs
        anchor=Anchor(_VENDOR_PREFIXES, reach=4000, leads=True, whole_words=False),
    )  # fmt: skip


def _mixed_classes(value: str) -> bool | None:
    classes = (
        any(c.islower() for c in value),
        any(c.isupper() for c in value),
        any(c.isdigit() for c in value),
    )
    return None if sum(classes) >= 2 else False


def aws_secret_key() -> PatternRecognizer:
    return PatternRecognizer(
        "aws_secret_key",
        EntityType.SECRET,
        [Pattern("40 base64 characters", r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
                 0.6)],
        context=("aws_secret_access_key", "secret access key", "secret_access_key",
                 "aws secret", "aws_secret", "secretaccesskey", "secret key", "secret_key",
                 "secret"),
        context_required=True,
        context_window=60,
        validator=_mixed_classes,
    )  # fmt: skip


_KEY_WORDS = (  # key names that announce a secret value
    r"(?:passwor[dt]|passwd|pwd|pass(?![a-z])|passphrase|secret|api[_\-]?key|apikey"
    r"|access[_\-]?key"
    r"|auth[_\-]?token|access[_\-]?token|refresh[_\-]?token|token|client[_\-]?secret"
    r"|private[_\-]?key|(?<=[_.\-])key|credentials?|kennwort|passwort|mot[_ ]de[_ ]passe"
    r"|contraseña"
    r"|contrasena|wachtwoord)"
)
# the key: a config/env/JSON/YAML name ending in one of the words above, or followed by a
# separator (``db_password``, ``API_KEY_PROD``), but not ``max_tokens`` or ``secretary``.
# Whatever precedes the word (``DB_``, ``mysql_root_``) does not change the value's span.
_KEY_NAME = rf"(?i:{_KEY_WORDS}(?:[_.\-][A-Za-z0-9_.\-]*)?)"
_KEY = rf"{_KEY_NAME}[\"']?"
_KEY_ANCHOR = Anchor(
    ("passwor", "passwd", "pwd", "pass", "secret", "api", "apikey", "access", "auth", "token",
     "refresh", "client", "private", "credential", "kennwort", "passwort", "mot", "contrase",
     "key",
     "wachtwoord"),
    reach=400,
    leads=True,
    whole_words=False,
)  # fmt: skip
_ASSIGN = r"[ \t]*(?:=|:=|:|=>)[ \t]*"

_PLACEHOLDERS = frozenset({
    "null", "none", "nil", "true", "false", "undefined", "required", "optional", "string",
    "redacted", "hidden", "removed", "changeme", "example", "password", "secret", "token",
    "your_password", "your-password", "yourpassword", "<password>", "xxxxxxxx", "********",
    # settings, not secrets ("SECRET: drop" in a redaction policy)
    "drop", "redact", "mask", "masked", "keep", "allow", "deny", "block",
    "hash", "hashed", "yes", "no", "on", "off", "enabled", "disabled", "default", "auto",
    "env", "file", "vault", "local", "remote", "encrypt", "encrypted", "plain", "plaintext",
    "base64", "pseudonymise", "pseudonymize", "tokenize", "tokenise", "review",
})  # fmt: skip
_PLACEHOLDER_SHAPE = re.compile(
    r"[*xX•.\-_#]+|\$\{.*\}?|\{\{.*|<.*>?|%\(.*|\$[A-Z_]+|\[[A-Za-z _\-]+\]"
    r"|(?i:(?:env|vault|ssm|keyvault|secret|op):[\w./\-]+)"
    # words only, one of them saying "fill me in": YOUR_API_KEY_HERE, changeme-in-prod
    r"|(?i:[a-z_\-.]*(?:your|here|example|placeholder|replace|insert|dummy|sample|todo|tbd"
    r"|fixme|changeme|change[_\-]me)[a-z_\-.]*)"
)


def is_placeholder(value: str) -> bool:
    """A value standing where a secret would (``${DB_PASSWORD}``, ``<set in vault>``,
    ``YOUR_API_KEY_HERE``, ``********``, ``env:API_TOKEN``), not a secret itself."""
    v = value.strip().strip("\"'")
    return v.lower() in _PLACEHOLDERS or _PLACEHOLDER_SHAPE.fullmatch(v) is not None


def _config_value_check(value: str) -> bool | None:
    return False if is_placeholder(value) else None


# what precedes the value on a config line: "  export DB_PASSWORD=", "password: ", "- key: '"
_CONFIG_LINE = re.compile(
    r"[ \t]*(?:export[ \t]+|set[ \t]+|-[ \t]+)?[{\[]?[ \t]*[\"']?[\w.\-]+[\"']?[ \t]*"
    r"(?:=|:=|:|=>)[ \t]*[\"']?"
)


_MIN_WORD_SECRET = 6  # an all-letter value shorter than this is a setting ("drop", "mask")


class ConfigSecretRecognizer(PatternRecognizer):
    """A word after ``secret:`` in a sentence is prose ("a supplier we have kept secret:
    Meridian"); on a config line of its own it is a value (``password: letmein``)."""

    def adjust(self, scan: ScanText, start: int, end: int) -> tuple[int, int] | None:
        text = scan.text
        value = text[start:end]
        line_start = text.rfind("\n", 0, start) + 1
        if _CONFIG_LINE.fullmatch(text, line_start, start):
            # a config line of its own: any value, but not a short word ("drop", "mask")
            if value.isalpha() and len(value) < _MIN_WORD_SECRET:
                return None
            return start, end
        # inside a sentence, a one-line JSON or a connection string: it must look like a
        # password ("kept secret: Polani-Cagnin Group" is prose)
        return (start, end) if _looks_like_a_password(value) is None else None


def config_secrets() -> PatternRecognizer:
    """``password=``/``passwd:``/``secret:``/``api_key=``/``token:`` values in config,
    env files, YAML, JSON and connection strings (``...;Password=...;``)."""
    return ConfigSecretRecognizer(
        "config_secrets",
        EntityType.SECRET,
        [
            Pattern("double-quoted value", rf"{_KEY}{_ASSIGN}\"(?P<v>[^\"\n]{{4,256}})\"", 0.9,
                    group="v"),
            Pattern("single-quoted value", rf"{_KEY}{_ASSIGN}'(?P<v>[^'\n]{{4,256}})'", 0.9,
                    group="v"),
            # (not "credentials: svc_backup / ...": that is the user name)
            Pattern("bare value", rf"{_KEY}{_ASSIGN}(?P<v>[^\s\"'`,;]{{4,256}}+)(?![ \t]*/)",
                    0.85, group="v"),
            Pattern("xml element", rf"(?<=<){_KEY_NAME}>(?P<v>[^<\s]{{4,256}})</", 0.85, group="v"),
        ],
        anchor=_KEY_ANCHOR,
        validator=_config_value_check,
    )  # fmt: skip


_PROSE_KEYS = (
    "password", "passwd", "passphrase", "passcode", "pw", "pwd", "pin", "wifi key",
    "wi-fi key", "wifi password", "wi-fi password", "network key", "token", "secret",
    "api key", "access key", "credentials", "kennwort", "passwort", "mot de passe",
    "contraseña", "wachtwoord", "clave", "parola d'ordine",
)  # fmt: skip
_PROSE_KEY = (
    r"(?!PW[ \t]+\d{5})"  # "New Melinda, PW 07033": Palau and a ZIP code, not a password
    "(?i:" + "|".join(re.escape(k) for k in sorted(_PROSE_KEYS, key=len, reverse=True)) + ")"
)
_VERB = r"(?i:is|was|are|is now|set to|ist|lautet|est|sera|es|será|è|sarà|wordt|blijft)"
# "password for the test tenant is X", "la password provvisoria della casella condivisa è X",
# "wachtwoord voor de testomgeving: X": up to six words, then a verb or a colon
_PROSE_BRIDGE = rf"(?:[ \t]+[^\s.,;:!?/]+){{0,6}}?(?:[ \t]*:|[ \t]+{_VERB}|[ \t]*=)"
_PROSE_VALUE = (
    r"[ \t]*[\"'“‘]?(?P<v>[^\s\"'”’]{4,128}?)(?=[\"'”’]?[.,;)]*(?:\s|$))"
    r"(?![ \t]*/)"  # "svc_backup / ..." is the user name, the password follows
)
_SYMBOLS = frozenset("!#$%&*+/=?@^~-")


def _looks_like_a_password(value: str) -> bool | None:
    """Letters with digits or symbols (``Berlin1284#``), or a passphrase of 3+ words
    (``lamp-staple-correct-quartz``); never a URL, a number or an English word."""
    if "://" in value or value.startswith("//") or is_placeholder(value):
        return False
    if value[0] in "|)]}>,;\\":
        return False  # the rest of a regex or an expression, not a password
    letters = any(c.isalpha() for c in value)
    digits = any(c.isdigit() for c in value)
    symbols = {c for c in value if c in _SYMBOLS}
    if letters and digits:
        return None
    if letters and symbols - {"-"} and len(value) >= 8:
        return None
    if letters and value.count("-") >= 2 and all(value.split("-")):
        return None
    return False


_LOGIN_WORDS = (
    "credentials", "login", "log-in", "zugangsdaten", "anmeldedaten", "identifiants",
    "credenciales", "credenziali", "inloggegevens",
)  # fmt: skip


def prose_secrets() -> PatternRecognizer:
    """Passwords and tokens written in sentences: "login is qa_user, password Falcon139$",
    "pw for the test tenant is Monkey223", "the wifi key is Tiger1981", "token 9f8e...",
    "la password provvisoria ... è X", "admin / Welcome1389?". The value must look like a
    password (see above)."""
    return PatternRecognizer(
        "prose_secrets",
        EntityType.SECRET,
        [
            Pattern("secret word, some words, verb: value",
                    rf"{_PROSE_KEY}{_PROSE_BRIDGE}{_PROSE_VALUE}", 0.85, group="v"),
            Pattern("secret word value", rf"{_PROSE_KEY}[ \t]*[:=]?{_PROSE_VALUE}", 0.85,
                    group="v"),
            Pattern("login: user / password",
                    rf"(?i:{'|'.join(_LOGIN_WORDS)})(?:[ \t]+{_VERB})?[ \t]*:?[ \t]*[^\s/]{{1,64}}"
                    rf"[ \t]*/{_PROSE_VALUE}", 0.85, group="v"),
        ],
        anchor=Anchor(_PROSE_KEYS + _LOGIN_WORDS, reach=220, leads=True),
        validator=_looks_like_a_password,
    )  # fmt: skip


_HASH_LENGTHS = frozenset({40, 64, 128})  # git SHA-1, SHA-256, SHA-512 digests
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]+")


def _token_check(value: str) -> bool | None:
    if _UUID.fullmatch(value) or (_HEX.fullmatch(value) and len(value) in _HASH_LENGTHS):
        return False
    return None


def contextual_tokens() -> PatternRecognizer:
    """A long random-looking token (letters and digits, 20+ characters) next to words
    like "key", "token", "rotate", "leaked": "pasted the deploy key by mistake:
    b51eafc9...", "found this in the build log: a02a0c70... - please rotate". Commit
    hashes, SHA-256 digests and UUIDs are never secrets."""
    return PatternRecognizer(
        "contextual_tokens",
        EntityType.SECRET,
        [
            Pattern(
                "random-looking token",
                r"(?<![\w/+=\-])(?=[A-Za-z0-9+/_\-]*\d)(?=[A-Za-z0-9+/_\-]*[A-Za-z])"
                r"[A-Za-z0-9+/_\-]{20,256}={0,2}(?![\w/+=\-])",
                0.6,
            )
        ],
        context=(
            "key", "api key", "deploy key", "token", "secret", "password", "credential",
            "credentials", "rotate", "rotating", "revoke", "revoked", "leaked", "exposed",
            "pasted", "bearer", "access key", "private key",
        ),
        negative_context=(
            "commit", "sha", "sha1", "sha256", "sha-256", "md5", "hash", "checksum", "digest",
            "uuid", "guid", "request id", "trace id", "build id", "version", "etag",
        ),
        context_required=True,
        context_window=60,
        context_after=40,
        joinable=False,  # glued across a line, any two tokens look random
        validator=_token_check,
    )  # fmt: skip


def url_credentials() -> PatternRecognizer:
    """``scheme://user:password@host`` (database URLs, git remotes, proxies)."""
    return PatternRecognizer(
        "url_credentials",
        EntityType.SECRET,
        [
            # the password only: the user name stays readable
            Pattern("user:password@", r"(?<![\w+.\-])[A-Za-z][A-Za-z0-9+.\-]{1,30}://"
                    r"[^\s:/@]{1,128}:(?P<cred>[^\s/@]{1,256})@[^\s/?#@]+", 0.95, group="cred"),
            Pattern("token@", r"(?<![\w+.\-])[A-Za-z][A-Za-z0-9+.\-]{1,30}://"
                    r"(?P<cred>[A-Za-z0-9_\-]{20,256})@[^\s/?#@]+", 0.9, group="cred"),
        ],
        prefilter="://",
    )  # fmt: skip


def private_key_block() -> PatternRecognizer:
    """``-----BEGIN ... PRIVATE KEY-----`` through END (or to the end of the base64 body
    when the END line is missing: a truncated key is still a key)."""
    label = r"(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?"
    return PatternRecognizer(
        "private_key_block",
        EntityType.SECRET,
        [
            Pattern("pem private key", rf"-----BEGIN {label}-----(?:[\s\S]*?-----END {label}-----"
                    r"|[A-Za-z0-9+/=\s:,\-]*[A-Za-z0-9+/=])", 1.0),
        ],
        prefilter="-----BEGIN",
    )  # fmt: skip


def bearer_tokens() -> PatternRecognizer:
    """Tokens in ``Authorization:`` headers and ``Bearer ...``."""
    token = r"[A-Za-z0-9\-._~+/]{8,}=*"  # noqa: S105 - the shape of a token
    return PatternRecognizer(
        "bearer_tokens",
        EntityType.SECRET,
        [
            Pattern("authorization header", rf"(?i:authorization)[\"']?[ \t]*[:=][ \t]*[\"']?"
                    rf"(?i:bearer|basic|token|digest|apikey)[ \t]+(?P<t>{token})", 0.95, group="t"),
            Pattern("bearer token", r"(?<![\w])(?i:bearer)[ \t]+(?P<t>[A-Za-z0-9\-._~+/]{20,}=*)",
                    0.9, group="t"),
        ],
        anchor=Anchor(("authorization", "bearer"), reach=2000, leads=True),
        validator=_mixed_classes,
    )  # fmt: skip
