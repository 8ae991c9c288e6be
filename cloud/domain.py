"""The cloud tier's domain vocabulary; only ``cloud/server.py`` converts protobuf.

A request arrives as an ``OrchestrationRequest`` (sections already redacted by the agent),
every model call becomes a ``ModelCall``, and the orchestrator answers with an ``Outcome``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Mode(IntEnum):
    """Mirrors ``bastion.v1.OrchestrationMode`` (same numbers)."""

    SEQUENTIAL = 1
    FUSION = 2
    DEBATE = 3
    RED_TEAM = 4
    RESEARCH = 5


class Strategy(IntEnum):
    """Mirrors ``bastion.v1.Resolution`` (same numbers); 0 means the mode's default."""

    DEFAULT = 0
    MAJORITY_VOTE = 1
    CONFIDENCE_WEIGHTED = 2
    HIERARCHICAL = 3
    HUMAN_ARBITRATION = 4


@dataclass(frozen=True, slots=True)
class Destination:
    """A named cloud endpoint the agent's residency policy allowed for this request."""

    name: str
    provider: str
    region: str
    jurisdiction: str


@dataclass(frozen=True, slots=True)
class DataSection:
    """A redacted section. Its text is untrusted data for the models, never instructions."""

    index: int
    heading: str
    text: str
    category: str


@dataclass(frozen=True, slots=True)
class OrchestrationRequest:
    request_id: str
    tenant: str
    instruction: str
    mode: Mode
    strategy: Strategy
    sections: tuple[DataSection, ...]
    allowed: tuple[Destination, ...]
    max_output_tokens: int = 0  # 0 = the tier's default
    token_budget: int = 0  # 0 = the tier's default


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True, slots=True)
class Completion:
    """What one successful chat-completions call returned."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    mean_logprob: float | None = None  # over the completion tokens, when the API gave them


@dataclass(slots=True)
class ModelCall:
    """One model call as reported to the caller (``ModelOutput`` on the wire)."""

    provider: str
    model: str
    role: str
    output: str = ""
    confidence: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    cost_usd: float = 0.0
    error: str = ""
    round: int = 0
    strength: int = 0
    destination: str = ""  # the policy destination the provider serves (data went there)

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(slots=True)
class Outcome:
    """The orchestrator's answer (``OrchestrateResponse`` on the wire)."""

    request_id: str
    answer: str
    calls: list[ModelCall]
    agreement: float
    strategy: Strategy
    needs_review: bool = False
    disagreement: str = ""
    injection_findings: list[str] = field(default_factory=list)
    total_tokens: int = 0
    latency_ms: float = 0.0
    cost_usd: float = 0.0
