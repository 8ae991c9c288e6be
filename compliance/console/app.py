"""The console as a Starlette application: server-rendered pages, one small script.

Roles: ``compliance`` reads (overview, decision log, entries and proofs), verifies and
exports; ``reviewer`` decides review items of its tenants; ``admin`` does both. An
account sees only its tenants' entries (``tenants: ["*"]`` = every tenant).

Read-only on the log: every read opens the database with ``mode=ro``; an export uses
the newest signed head and leaves newer entries out (the page says how many). The
review pages are the only ones that show section text, and only to a reviewer of that
tenant; they are served with ``Cache-Control: no-store`` like every page.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
import tempfile
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bastion.crypto import IntegrityError, SigningKey, VerifyKey
from bastion.errors import AuditError, BastionError, InvalidInput, PermissionDenied
from bastion.tlog.note import NoteVerifier, origin_for
from bastion.wire.v1 import review_pb2
from compliance.console.auth import Session, SessionStore, check_password, csrf_ok
from compliance.console.config import Account, ConsoleConfig
from compliance.console.data import AuditReader, LogQuery, entry_fields
from compliance.console.reviews import ReviewClient

HERE = Path(__file__).resolve().parent
COOKIE = "bastion_console"
PRE_COOKIE = "bastion_console_login"
MAX_UPLOAD = 64 * 1024 * 1024
MAX_UNZIPPED = 256 * 1024 * 1024
MAX_FILES = 10_000
DENY_REASONS = ("personal_data", "privileged", "not_needed", "wrong_destination", "other")

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)


class _Headers(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


def _iso(ms_or_s: float, ms: bool = False) -> str:
    t = ms_or_s / 1000 if ms else ms_or_s
    if not t:
        return ""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _parse_day(text: str, name: str) -> float | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name}: expected a date (YYYY-MM-DD)") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


class Console:
    def __init__(
        self,
        config: ConsoleConfig,
        *,
        clock: Callable[[], float] | None = None,
        review_client: ReviewClient | None = None,
    ) -> None:
        import time

        self.config = config
        self.clock = clock or time.time
        self.reader = AuditReader(config.audit_db)
        self.sessions = SessionStore(config.secret(), config.session_minutes * 60.0, self.clock)
        # The gRPC channel belongs to the server's event loop: made on first use there.
        self.reviews = review_client
        self.secure_cookies = config.tls is not None
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["iso"] = _iso
        self.env.filters["iso_ms"] = lambda v: _iso(v, ms=True)

    # -- plumbing --------------------------------------------------------------------------
    def render(
        self, request: Request, name: str, session: Session | None, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        html = self.env.get_template(name).render(
            request=request, session=session, account=session.account if session else None, **ctx
        )
        return HTMLResponse(html, status_code=status)

    def session_of(self, request: Request) -> Session | None:
        return self.sessions.get(request.cookies.get(COOKIE))

    def guard(
        self, role: str, handler: Callable[[Request, Session], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            session = self.session_of(request)
            if session is None:
                return RedirectResponse("/login", status_code=303)
            if role != "any" and not session.account.can(role):
                return self.render(
                    request,
                    "error.html",
                    session,
                    403,
                    title="Not allowed",
                    message=f"This page needs the {role} role.",
                )
            if request.method == "POST":
                size = request.headers.get("content-length", "")
                if not size.isdigit() or int(size) > MAX_UPLOAD + 1024 * 1024:
                    return self.render(
                        request, "error.html", session, 413, title="Too large",
                        message="The request is too large (or does not say its length).",
                    )  # fmt: skip
                form = await request.form()
                token = form.get("csrf")
                if not isinstance(token, str) or not csrf_ok(session, token):
                    return self.render(
                        request,
                        "error.html",
                        session,
                        403,
                        title="Form expired",
                        message="The form's security token did not match; reload the page.",
                    )
            try:
                return await handler(request, session)
            except (InvalidInput, PermissionDenied) as exc:
                return self.render(
                    request, "error.html", session, 400, title="Refused", message=str(exc)
                )
            except BastionError as exc:
                return self.render(
                    request, "error.html", session, 502, title="Failed", message=str(exc)
                )

        return endpoint

    def tenants_of(self, account: Account) -> frozenset[str] | None:
        return None if "*" in account.tenants else account.tenants

    # -- login -----------------------------------------------------------------------------
    async def login_page(self, request: Request) -> Response:
        import secrets

        pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
        response = self.render(
            request, "login.html", None, csrf=self.sessions.login_token(pre), error=""
        )
        self._cookie(response, PRE_COOKIE, pre, max_age=3600)
        return response

    async def login(self, request: Request) -> Response:
        form = await request.form()
        name, password = str(form.get("username", "")), str(form.get("password", ""))
        token = str(form.get("csrf", ""))
        pre = request.cookies.get(PRE_COOKIE)
        if not self.sessions.check_login_token(pre, token):
            return self.render(
                request, "login.html", None, 403, csrf="", error="The login form expired; reload."
            )
        account = self.config.accounts.get(name)
        if self.sessions.locked(name):
            error = "Too many failed attempts for this account; wait a minute."
            return self.render(request, "login.html", None, 429, csrf=token, error=error)
        ok = account is not None and await asyncio.to_thread(
            check_password, password, account.password_scrypt
        )
        if not ok or account is None:
            self.sessions.failed(name)
            return self.render(
                request, "login.html", None, 401, csrf=token, error="Wrong user name or password."
            )
        self.sessions.succeeded(name)
        session = self.sessions.create(account)
        target = "/reviews" if account.role == "reviewer" else "/"
        response = RedirectResponse(target, status_code=303)
        self._cookie(response, COOKIE, session.id, max_age=None)
        response.delete_cookie(PRE_COOKIE, path="/")
        return response

    async def logout(self, request: Request, session: Session) -> Response:
        self.sessions.end(session.id)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    def _cookie(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="strict",
            secure=self.secure_cookies,
        )

    # -- compliance pages ------------------------------------------------------------------
    async def overview(self, request: Request, session: Session) -> Response:
        days = max(1, min(int(request.query_params.get("days", "30") or 30), 366))
        until = self.clock() + 1
        since = until - days * 86400
        data = await asyncio.to_thread(
            self.reader.overview, self.tenants_of(session.account), since, until
        )
        return self.render(request, "overview.html", session, data=data, days=days)

    async def log(self, request: Request, session: Session) -> Response:
        p = request.query_params
        allowed = self.tenants_of(session.account)
        tenant = p.get("tenant", "")
        if tenant and allowed is not None and tenant not in allowed:
            raise PermissionDenied("this account may not see that tenant")
        page = max(0, int(p.get("page", "0") or 0))
        q = LogQuery(
            tenants=allowed,
            tenant=tenant,
            kind=p.get("kind", ""),
            action=p.get("action", ""),
            status=p.get("status", ""),
            rule=p.get("rule", ""),
            destination=p.get("destination", ""),
            category=p.get("category", ""),
            since=_parse_day(p.get("since", ""), "since"),
            until=_parse_day(p.get("until", ""), "until"),
            limit=50,
            offset=page * 50,
        )
        result = await asyncio.to_thread(self.reader.search, q)
        tenants = await asyncio.to_thread(self.reader.tenants)
        visible = [t for t in tenants if allowed is None or t in allowed]
        return self.render(
            request, "log.html", session, result=result, q=q, params=p, page=page, tenants=visible
        )

    async def entry(self, request: Request, session: Session) -> Response:
        try:
            entry_id = int(request.path_params["entry_id"])
        except ValueError:
            raise InvalidInput("entry id must be a number") from None
        entry = await asyncio.to_thread(
            self.reader.entry, entry_id, self.tenants_of(session.account)
        )
        if entry is None:
            return self.render(
                request, "error.html", session, 404, title="No such entry",
                message=f"Entry {entry_id} is not in this log (or not one of your tenants').",
            )  # fmt: skip
        inclusion = await asyncio.to_thread(self.reader.inclusion, entry_id)
        return self.render(
            request,
            "entry.html",
            session,
            entry_id=entry_id,
            fields=entry_fields(entry),
            inclusion=inclusion,
        )

    def _pins(self) -> tuple[list[VerifyKey], str]:
        if self.config.pins:
            return list(self.config.pins), "pinned in the console config"
        key = self.config.key_file
        if key is not None and key.exists():
            try:
                return [SigningKey.load(key).verify_key], "the agent's key file"
            except IntegrityError:
                return [], "none (the key file is unreadable)"
        return [], "none: trusting the log's own key table"

    async def verify_page(self, request: Request, session: Session) -> Response:
        pins, source = self._pins()
        return self.render(request, "verify.html", session, pins=pins, source=source, result=None)

    async def verify(self, request: Request, session: Session) -> Response:
        from compliance.checkpoints import latest_checkpoint
        from compliance.verify import verify_log

        pins, source = self._pins()
        witness = self.config.witness
        witnesses = [witness] if witness is not None and witness.exists() else []
        ok, message, checkpoint = True, "", None
        try:
            report = await asyncio.to_thread(
                verify_log, self.config.audit_db, witness_files=witnesses, pins=pins
            )
            message = report.summary()
        except AuditError as exc:
            ok, message = False, str(exc)
        try:
            checkpoint = await asyncio.to_thread(latest_checkpoint, self.config.audit_db)
        except AuditError:
            checkpoint = None
        vkeys = []
        if checkpoint is not None:
            log_origin = checkpoint.vkey.split("+", 1)[0]
            vkeys = [NoteVerifier(log_origin, p).vkey() for p in pins]
        return self.render(
            request,
            "verify.html",
            session,
            pins=pins,
            source=source,
            result={"ok": ok, "message": message},
            checkpoint=checkpoint,
            vkeys=vkeys,
            origin_for=origin_for,
        )

    async def export_page(self, request: Request, session: Session) -> Response:
        tenants = [
            t for t in await asyncio.to_thread(self.reader.tenants) if session.account.may_see(t)
        ]
        today = datetime.fromtimestamp(self.clock(), UTC).date()
        return self.render(
            request,
            "export.html",
            session,
            tenants=tenants,
            since=(today - timedelta(days=30)).isoformat(),
            until=(today + timedelta(days=1)).isoformat(),
        )

    async def export(self, request: Request, session: Session) -> Response:
        from compliance.export import export_log

        form = await request.form()
        tenant = str(form.get("tenant", ""))
        if not tenant or not session.account.may_see(tenant):
            raise PermissionDenied("this account may not export that tenant")
        fmt = str(form.get("format", "jsonl"))
        since = _parse_day(str(form.get("since", "")), "since")
        until = _parse_day(str(form.get("until", "")), "until")
        if since is None or until is None:
            raise InvalidInput("give both dates")
        tmp = Path(tempfile.mkdtemp(prefix="bastion-export-"))
        try:
            out = tmp / "export"
            summary = await asyncio.to_thread(
                export_log, self.config.audit_db, out, tenant=tenant, since=since, until=until,
                fmt=fmt,
            )  # fmt: skip
            data = await asyncio.to_thread(_zip_dir, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        day0, day1 = (datetime.fromtimestamp(t, UTC).date().isoformat() for t in (since, until))
        name = f"bastion-export-{tenant}-{day0}-{day1}.zip"
        return Response(
            data,
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Bastion-Export": summary.summary().replace(str(out), name)[:300],
            },
        )

    async def verify_export_page(self, request: Request, session: Session) -> Response:
        return self.render(request, "verify_export.html", session, result=None)

    async def verify_export(self, request: Request, session: Session) -> Response:
        from compliance.export import verify_export
        from compliance.merge import is_merged_export, verify_merged

        form = await request.form()
        upload = form.get("bundle")
        key_text = str(form.get("public_key", "")).strip()
        if not isinstance(upload, UploadFile):
            raise InvalidInput("choose an export (.zip) to upload")
        try:
            raw = await upload.read(MAX_UPLOAD + 1)
        finally:
            await upload.close()
        if len(raw) > MAX_UPLOAD:
            raise InvalidInput(f"the upload is larger than {MAX_UPLOAD // (1024 * 1024)} MiB")
        pins: list[VerifyKey] = []
        if key_text:
            try:
                pins = [VerifyKey.from_hex(key_text)]
            except IntegrityError as exc:
                raise InvalidInput(f"public key: {exc}") from None
        tmp = Path(tempfile.mkdtemp(prefix="bastion-verify-"))
        try:
            root = await asyncio.to_thread(_safe_unzip, raw, tmp)
            try:
                if is_merged_export(root):
                    summary = (await asyncio.to_thread(verify_merged, root, {})).summary()
                else:
                    summary = (await asyncio.to_thread(verify_export, root, pins)).summary()
                result = {"ok": True, "message": summary}
            except AuditError as exc:
                result = {"ok": False, "message": str(exc)}
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return self.render(request, "verify_export.html", session, result=result)

    # -- reviews ---------------------------------------------------------------------------
    def _review_client(self) -> ReviewClient:
        if self.reviews is None:
            if self.config.review is None:
                raise InvalidInput("no agent review service is configured (review: in the config)")
            self.reviews = ReviewClient(self.config.review)
        return self.reviews

    async def close(self) -> None:
        if self.reviews is not None:
            await self.reviews.close()
            self.reviews = None

    def _review_tenants(self, account: Account) -> list[str]:
        known = set(self.config.review.token_files) if self.config.review else set()
        if "*" not in account.tenants:
            return sorted(account.tenants)
        return sorted(known)

    async def reviews_page(self, request: Request, session: Session) -> Response:
        client = self._review_client()
        state = request.query_params.get("state", "pending")
        items: list[review_pb2.ReviewSummary] = []
        for tenant in self._review_tenants(session.account):
            items += await client.list(tenant, "" if state == "all" else state)
        items.sort(key=lambda i: -i.created_unix_ms)
        return self.render(request, "reviews.html", session, items=items, state=state)

    def _check_review_tenant(self, session: Session, tenant: str) -> None:
        if not session.account.may_see(tenant):
            raise PermissionDenied("this account does not review that tenant")

    async def review_page(self, request: Request, session: Session) -> Response:
        tenant, item_id = request.path_params["tenant"], request.path_params["item_id"]
        self._check_review_tenant(session, tenant)
        detail = await self._review_client().get(tenant, item_id)
        return self.render(
            request,
            "review.html",
            session,
            d=detail,
            tenant=tenant,
            reasons=DENY_REASONS,
            outcome=None,
        )

    async def decide(self, request: Request, session: Session) -> Response:
        tenant, item_id = request.path_params["tenant"], request.path_params["item_id"]
        self._check_review_tenant(session, tenant)
        form = await request.form()
        decision = str(form.get("decision", ""))
        if decision not in ("approve", "deny"):
            raise InvalidInput("choose approve or deny")
        outcome = await self._review_client().decide(
            review_pb2.DecideRequest(
                tenant=tenant,
                id=item_id,
                approve=decision == "approve",
                reviewer=session.account.name,
                preview_sha256=str(form.get("preview_sha256", "")),
                deny_reason=str(form.get("deny_reason", "")),
                note=str(form.get("note", ""))[:2000],
            )
        )
        detail = await self._review_client().get(tenant, item_id)
        return self.render(
            request,
            "review.html",
            session,
            d=detail,
            tenant=tenant,
            reasons=DENY_REASONS,
            outcome=outcome,
        )


def _zip_dir(directory: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(directory.rglob("*")):
            if p.is_file():
                zf.write(p, Path("export") / p.relative_to(directory))
    return buf.getvalue()


def _safe_unzip(raw: bytes, dest: Path) -> Path:
    """Extract an uploaded export: no absolute or parent paths, no links, bounded size
    and count (a zip bomb is refused before it is written). Returns the export root."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise InvalidInput("the upload is not a zip file") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_FILES:
            raise InvalidInput("the zip holds too many files")
        if sum(i.file_size for i in infos) > MAX_UNZIPPED:
            raise InvalidInput("the zip expands to more than 256 MiB")
        for info in infos:
            name = Path(info.filename)
            mode = info.external_attr >> 16
            if name.is_absolute() or ".." in name.parts or (mode & 0o170000) == 0o120000:
                raise InvalidInput("the zip holds an unsafe path")
        for info in infos:
            target = dest / info.filename
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out)
    entries = [p for p in dest.iterdir()]
    if (dest / "manifest.json").exists():
        return dest
    if len(entries) == 1 and entries[0].is_dir() and (entries[0] / "manifest.json").exists():
        return entries[0]
    raise InvalidInput("the zip holds no export (no manifest.json at its top)")


def create_app(console: Console) -> Starlette:
    c = console
    routes = [
        Route("/login", c.login_page, methods=["GET"]),
        Route("/login", c.login, methods=["POST"]),
        Route("/logout", c.guard("any", c.logout), methods=["POST"]),
        Route("/", c.guard("compliance", c.overview)),
        Route("/log", c.guard("compliance", c.log)),
        Route("/log/{entry_id}", c.guard("compliance", c.entry)),
        Route("/verify", c.guard("compliance", c.verify_page), methods=["GET"]),
        Route("/verify", c.guard("compliance", c.verify), methods=["POST"]),
        Route("/export", c.guard("compliance", c.export_page), methods=["GET"]),
        Route("/export", c.guard("compliance", c.export), methods=["POST"]),
        Route("/verify-export", c.guard("compliance", c.verify_export_page), methods=["GET"]),
        Route("/verify-export", c.guard("compliance", c.verify_export), methods=["POST"]),
        Route("/reviews", c.guard("reviewer", c.reviews_page)),
        Route("/reviews/{tenant}/{item_id}", c.guard("reviewer", c.review_page), methods=["GET"]),
        Route("/reviews/{tenant}/{item_id}", c.guard("reviewer", c.decide), methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await c.close()

    return Starlette(routes=routes, middleware=[Middleware(_Headers)], lifespan=lifespan)
