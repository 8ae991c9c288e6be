"""The agent's gRPC layer: ``decode`` (protobuf -> domain, validated), ``encode`` (domain ->
protobuf), ``interceptors`` (ids, auth, in-flight bound, error mapping, logs), ``servicer``
(thin) and ``app`` (the composition root). The request path itself is ``agent.pipeline``."""

from agent.server.app import AgentServer, check_authentication, create_server
from agent.wiring import build_pipeline

__all__ = ["AgentServer", "build_pipeline", "check_authentication", "create_server"]
