"""The compliance console (``bastion console serve``): a separate, local web process that
reads the audit log (read-only) and talks to the agent's Review service.

``config`` (YAML), ``auth`` (accounts, scrypt, sessions, CSRF), ``data`` (read-only
queries), ``reviews`` (the agent's Review service), ``app`` (Starlette + Jinja2),
``serve`` (uvicorn). See docs/console.md.
"""
