"""The cloud orchestration tier: runs several LLMs against each other over redacted data.

Public API (import from the modules; this package imports nothing eagerly):

- ``cloud.config.load_config(path) -> CloudConfig``
- ``cloud.server.create_server(config) -> (server, port)`` (async, started)
- ``cloud.localmodel.LocalLLM.start(threads=1)`` - the local default model server
- ``cloud.orchestrator.Orchestrator(config).run(request) -> Outcome`` (plain async)
- ``bastion cloud serve --config FILE`` (``cloud.cli.register``)

See docs/cloud.md.
"""
