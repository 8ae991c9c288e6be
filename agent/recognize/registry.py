"""Built-in recognizers by configuration name, and recognizers defined in configuration.

Why a registry: which recognizers run is configuration (``default_recognizers.yaml``), so
an operator can disable one that misfires on their documents, or add a firm-specific
pattern (a matter number, an internal account format) without touching code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from agent.domain import EntityType
from agent.recognize import (
    birth_dates_and_records,
    contact,
    name_hints,
    national_ids,
    payment_ids,
    secrets,
)
from agent.recognize.pattern import (
    DEFAULT_CONTEXT_BOOST,
    DEFAULT_CONTEXT_WINDOW,
    Pattern,
    PatternRecognizer,
)
from bastion.configfile import ConfigFile

BUILTIN: Mapping[str, Callable[[], PatternRecognizer]] = {
    "email": contact.email,
    "phone": contact.phone,
    "ip_address": contact.ip_address,
    "credit_card": payment_ids.credit_card,
    "iban": payment_ids.iban,
    "us_ssn": national_ids.us_ssn,
    "uk_nhs": national_ids.uk_nhs,
    "uk_nhs_loose": national_ids.uk_nhs_loose,
    "uk_nino": national_ids.uk_nino,
    "passport": national_ids.passport,
    "national_id": national_ids.national_id,
    "date_of_birth": birth_dates_and_records.date_of_birth,
    "medical_record_number": birth_dates_and_records.medical_record_number,
    "cloud_tokens": secrets.cloud_tokens,
    "aws_secret_key": secrets.aws_secret_key,
    "config_secrets": secrets.config_secrets,
    "prose_secrets": secrets.prose_secrets,
    "contextual_tokens": secrets.contextual_tokens,
    "url_credentials": secrets.url_credentials,
    "private_key_block": secrets.private_key_block,
    "bearer_tokens": secrets.bearer_tokens,
    "person_hints": name_hints.person_hints,
    "street_address": name_hints.street_address,
    "street_address_de_nl": name_hints.street_address_de_nl,
    "postcode": name_hints.postcode,
    "person_fields": name_hints.person_fields,
    "person_in_mail": name_hints.person_in_mail,
    "person_quoted": name_hints.person_quoted,
    "location_fields": name_hints.location_fields,
    "organization_fields": name_hints.organization_fields,
}

_BUILTIN_KEYS = {"name", "enabled"}
_CUSTOM_KEYS = {
    "name", "enabled", "entity_type", "patterns", "context", "negative_context",
    "context_required", "context_window", "context_boost",
}  # fmt: skip
_PATTERN_KEYS = {"name", "regex", "score", "group"}


def _str_list(cfg: ConfigFile, key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise cfg.error(key, "expected a list of words")
    for i, v in enumerate(value):
        if not isinstance(v, str) or not v:
            raise cfg.error(f"{key}[{i}]", "expected a non-empty string")
    return list(value)


def _score(cfg: ConfigFile, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise cfg.error(key, "expected a score in (0, 1]")
    return float(value)


def _check_keys(cfg: ConfigFile, key: str, entry: Mapping[str, Any], allowed: set[str]) -> None:
    for k in entry:
        if k not in allowed:
            raise cfg.error(f"{key}.{k}", f"unknown key (known keys: {', '.join(sorted(allowed))})")


def _pattern(cfg: ConfigFile, key: str, raw: Any) -> Pattern:
    if not isinstance(raw, dict):
        raise cfg.error(key, "expected a mapping with name, regex and score")
    _check_keys(cfg, key, raw, _PATTERN_KEYS)
    regex = raw.get("regex")
    if not isinstance(regex, str) or not regex:
        raise cfg.error(f"{key}.regex", "expected a regular expression")
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise cfg.error(f"{key}.regex", f"invalid regular expression ({exc.msg})") from None
    group = raw.get("group", 0)
    if isinstance(group, bool) or not isinstance(group, int | str):
        raise cfg.error(f"{key}.group", "expected a group number or name")
    if (isinstance(group, int) and group > compiled.groups) or (
        isinstance(group, str) and group not in compiled.groupindex
    ):
        raise cfg.error(f"{key}.group", "the regex has no such group")
    name = raw.get("name", key)
    return Pattern(str(name), regex, _score(cfg, f"{key}.score", raw.get("score")), group)


def _custom(cfg: ConfigFile, key: str, name: str, entry: Mapping[str, Any]) -> PatternRecognizer:
    """A recognizer written entirely in configuration (patterns, context words)."""
    _check_keys(cfg, key, entry, _CUSTOM_KEYS)
    try:
        entity_type = EntityType(str(entry.get("entity_type")))
    except ValueError:
        known = ", ".join(t.value for t in EntityType)
        raise cfg.error(f"{key}.entity_type", f"expected one of {known}") from None
    raw_patterns = entry.get("patterns")
    if not isinstance(raw_patterns, list) or not raw_patterns:
        raise cfg.error(f"{key}.patterns", "expected a non-empty list of patterns")
    patterns = [_pattern(cfg, f"{key}.patterns[{i}]", p) for i, p in enumerate(raw_patterns)]
    required = entry.get("context_required", False)
    window = entry.get("context_window", DEFAULT_CONTEXT_WINDOW)
    boost = entry.get("context_boost", DEFAULT_CONTEXT_BOOST)
    if not isinstance(required, bool):
        raise cfg.error(f"{key}.context_required", "expected true or false")
    if isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= 500:
        raise cfg.error(f"{key}.context_window", "expected an integer from 0 to 500")
    return PatternRecognizer(
        name,
        entity_type,
        patterns,
        context=_str_list(cfg, f"{key}.context", entry.get("context")),
        negative_context=_str_list(cfg, f"{key}.negative_context", entry.get("negative_context")),
        context_required=required,
        context_window=window,
        context_boost=_score(cfg, f"{key}.context_boost", boost),
    )


def build_recognizers(cfg: ConfigFile) -> list[PatternRecognizer]:
    """The enabled recognizers listed under ``recognizers`` (builtin names or custom)."""
    entries = cfg.require("recognizers", list)
    recognizers: list[PatternRecognizer] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        key = f"recognizers[{i}]"
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict):
            raise cfg.error(key, "expected a recognizer name or a mapping")
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise cfg.error(f"{key}.name", "required key is missing (expected a string)")
        if name in seen:
            raise cfg.error(f"{key}.name", f"recognizer {name!r} listed twice")
        seen.add(name)
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise cfg.error(f"{key}.enabled", "expected true or false")
        if "patterns" in entry:
            recognizer = _custom(cfg, key, name, entry)
        elif name in BUILTIN:
            _check_keys(cfg, key, entry, _BUILTIN_KEYS)
            recognizer = BUILTIN[name]()
        else:
            known = ", ".join(sorted(BUILTIN))
            raise cfg.error(f"{key}.name", f"unknown recognizer {name!r} (built-in: {known})")
        if enabled:
            recognizers.append(recognizer)
    return recognizers
