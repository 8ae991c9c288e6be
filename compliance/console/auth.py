"""Console accounts, password hashes, sessions and CSRF tokens.

- Passwords: scrypt from the standard library (``hashlib.scrypt``, N=2^15, r=8, p=1, a
  16-byte random salt), stored as ``scrypt$N$r$p$salt$hash`` (base64); compared in
  constant time. ``bastion console hash-password`` makes one from stdin.
- Sessions live in the console's memory: a random 256-bit id in an ``HttpOnly``,
  ``SameSite=Strict`` cookie (``Secure`` when the console serves TLS), idle timeout
  ``session_minutes``, gone at restart or logout.
- CSRF: every POST carries the session's random token in a form field, compared in
  constant time; the login form's token is bound to a pre-session cookie with the
  console's secret (HMAC), so a cross-site page can post neither.
- Five failed logins for one account lock it for a minute (slows guessing; says so).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from compliance.console.config import Account

_N, _R, _P = 2**15, 8, 1
_MAXMEM = 64 * 1024 * 1024
_LOCK_AFTER, _LOCK_S = 5, 60.0


def hash_password(password: str, *, n: int = _N, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=_R, p=_P, maxmem=_MAXMEM, dklen=32
    )
    b64 = base64.b64encode
    return f"scrypt${n}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        tag, n, r, p, salt, want = stored.split("$")
        if tag != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=32,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(want))


@dataclass
class Session:
    id: str
    account: Account
    csrf: str
    last_seen: float


@dataclass
class SessionStore:
    secret: bytes
    idle_s: float
    clock: Callable[[], float] = time.time
    _sessions: dict[str, Session] = field(default_factory=dict)
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)

    def create(self, account: Account) -> Session:
        s = Session(secrets.token_urlsafe(32), account, secrets.token_urlsafe(32), self.clock())
        self._sessions[s.id] = s
        return s

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        s = self._sessions.get(sid)
        if s is None:
            return None
        now = self.clock()
        if now - s.last_seen > self.idle_s:
            del self._sessions[sid]
            return None
        s.last_seen = now
        return s

    def end(self, sid: str | None) -> None:
        if sid:
            self._sessions.pop(sid, None)

    # -- login CSRF (before there is a session) -------------------------------------------
    def login_token(self, pre: str) -> str:
        return hmac.new(self.secret, b"login\x00" + pre.encode(), hashlib.sha256).hexdigest()

    def check_login_token(self, pre: str | None, token: str) -> bool:
        return bool(pre) and hmac.compare_digest(self.login_token(pre or ""), token)

    # -- throttling ------------------------------------------------------------------------
    def locked(self, name: str) -> bool:
        count, since = self._failures.get(name, (0, 0.0))
        return count >= _LOCK_AFTER and self.clock() - since < _LOCK_S

    def failed(self, name: str) -> None:
        count, since = self._failures.get(name, (0, 0.0))
        now = self.clock()
        if now - since >= _LOCK_S:
            count, since = 0, now
        self._failures[name] = (count + 1, since)

    def succeeded(self, name: str) -> None:
        self._failures.pop(name, None)


def csrf_ok(session: Session, token: str) -> bool:
    return hmac.compare_digest(session.csrf, token or "")
