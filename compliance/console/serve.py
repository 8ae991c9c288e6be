"""Run the console with uvicorn (``bastion console serve --config FILE``)."""

from __future__ import annotations

import sys

import uvicorn

from compliance.console.app import Console, create_app
from compliance.console.config import ConsoleConfig


def serve(config: ConsoleConfig) -> None:
    console = Console(config)
    app = create_app(console)
    scheme = "https" if config.tls else "http"
    print(
        f"bastion console on {scheme}://{config.host}:{config.port}/ (audit log read-only)",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        ssl_certfile=str(config.tls[0]) if config.tls else None,
        ssl_keyfile=str(config.tls[1]) if config.tls else None,
        log_level="warning",
        server_header=False,
        access_log=False,
    )
