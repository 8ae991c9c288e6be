"""YAML config files that remember where each key was written.

Every process reads one YAML file. Validation errors name the file, the line and the
dotted key (``agent.yaml:12: audit.path: expected a string``), so that an operator can fix
the file without guessing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bastion.errors import BastionError, ConfigError

T = TypeVar("T")

_KIND_NAMES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a mapping",
}


def _record_lines(node: yaml.Node, prefix: str, lines: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines[key] = key_node.start_mark.line + 1
            _record_lines(value_node, key, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            key = f"{prefix}[{i}]"
            lines[key] = item.start_mark.line + 1
            _record_lines(item, key, lines)


class ConfigFile:
    """A parsed YAML mapping plus the line of every key, for precise errors."""

    def __init__(self, path: Path, data: Mapping[str, Any], lines: Mapping[str, int]) -> None:
        self.path = path
        self.data = data
        self.lines = lines
        self.base_dir = path.parent
        #: when set (``bastion agent check-config``), ``check_known`` records every unknown
        #: key here instead of raising at the first
        self.collect: list[BastionError] | None = None

    @classmethod
    def load(cls, path: str | Path) -> ConfigFile:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{p}: config file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{p}: cannot read config file ({type(exc).__name__})") from None
        return cls.parse(text, p)

    @classmethod
    def parse(cls, text: str, path: Path) -> ConfigFile:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            raise ConfigError(f"{where}: invalid YAML: {exc.problem}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: invalid YAML: {exc}") from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}:1: the top level must be a mapping")
        lines: dict[str, int] = {}
        if node is not None:
            _record_lines(node, "", lines)
        return cls(path, data, lines)

    # -- errors -------------------------------------------------------------------------
    def line_of(self, key: str) -> int:
        """The line of ``key``, or of its nearest written parent, or 1."""
        k = key
        while k:
            if k in self.lines:
                return self.lines[k]
            k = k.rsplit(".", 1)[0] if "." in k else ""
        return 1

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{self.line_of(key)}: {key}: {message}")

    # -- typed access -------------------------------------------------------------------
    def _lookup(self, key: str) -> tuple[bool, Any]:
        cur: Any = self.data
        for part in key.split("."):
            if not isinstance(cur, dict) or part not in cur:
                return False, None
            cur = cur[part]
        return True, cur

    def has(self, key: str) -> bool:
        return self._lookup(key)[0]

    def get(self, key: str, kind: type[T], default: T) -> T:
        found, value = self._lookup(key)
        if not found or value is None:
            return default
        return self._check(key, value, kind)

    def require(self, key: str, kind: type[T]) -> T:
        found, value = self._lookup(key)
        if not found or value is None:
            raise self.error(key, f"required key is missing (expected {_KIND_NAMES[kind]})")
        return self._check(key, value, kind)

    def path_value(self, key: str, default: str | None = None) -> Path | None:
        """A filesystem path, resolved relative to the config file's directory."""
        raw = self.get(key, str, default or "")
        if not raw:
            return None
        p = Path(raw).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    def _check(self, key: str, value: Any, kind: type[T]) -> T:
        ok = isinstance(value, kind)
        if kind is int and isinstance(value, bool):
            ok = False
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
            ok = True
        if not ok:
            raise self.error(key, f"expected {_KIND_NAMES[kind]}, got {type(value).__name__}")
        return value  # type: ignore[no-any-return]

    def positive_int(self, key: str, default: int) -> int:
        value = self.get(key, int, default)
        if value <= 0:
            raise self.error(key, f"must be a positive integer, got {value}")
        return value

    def non_negative(self, key: str, default: float) -> float:
        value = self.get(key, float, default)
        if value < 0:
            raise self.error(key, f"must not be negative, got {value}")
        return value

    def tls_files(
        self, key: str, ca_key: str, extra_keys: frozenset[str] = frozenset()
    ) -> tuple[Path, Path, Path | None] | None:
        """``(cert, key, ca)`` under ``key`` (each an existing file; ``ca`` optional)."""
        if not self.has(key):
            return None
        self.check_known(key, {"cert", "key", ca_key, *extra_keys})
        files: dict[str, Path | None] = {}
        for part in ("cert", "key", ca_key):
            p = self.path_value(f"{key}.{part}")
            if p is None and part != ca_key:
                raise self.error(f"{key}.{part}", "required key is missing (expected a path)")
            if p is not None and not p.is_file():
                raise self.error(f"{key}.{part}", f"file not found: {p}")
            files[part] = p
        cert, private_key = files["cert"], files["key"]
        assert cert is not None and private_key is not None
        return cert, private_key, files[ca_key]

    def check_known(self, prefix: str, allowed: set[str]) -> None:
        """Refuse unknown keys under ``prefix`` (typos must not silently disable a guard)."""
        found, value = self._lookup(prefix) if prefix else (True, self.data)
        if not found or not isinstance(value, dict):
            return
        for k in value:
            if k not in allowed:
                full = f"{prefix}.{k}" if prefix else str(k)
                known = ", ".join(sorted(allowed))
                error = self.error(full, f"unknown key (known keys: {known})")
                if self.collect is None:
                    raise error
                self.collect.append(error)


def is_loopback(host: str) -> bool:
    """Plaintext gRPC is allowed only on these hosts."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_host_port(cfg: ConfigFile, key: str, value: str) -> tuple[str, int]:
    host, sep, port_s = value.rpartition(":")
    if not sep or not host or not port_s.isdigit() or not 0 <= int(port_s) <= 65535:
        raise cfg.error(key, f"expected host:port, got {value!r}")
    return host.strip("[]"), int(port_s)
