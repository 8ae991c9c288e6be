from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrchestrationMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORCHESTRATION_MODE_UNSPECIFIED: _ClassVar[OrchestrationMode]
    SEQUENTIAL: _ClassVar[OrchestrationMode]
    FUSION: _ClassVar[OrchestrationMode]
    DEBATE: _ClassVar[OrchestrationMode]
    RED_TEAM: _ClassVar[OrchestrationMode]
    RESEARCH: _ClassVar[OrchestrationMode]

class Resolution(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESOLUTION_UNSPECIFIED: _ClassVar[Resolution]
    MAJORITY_VOTE: _ClassVar[Resolution]
    CONFIDENCE_WEIGHTED: _ClassVar[Resolution]
    HIERARCHICAL: _ClassVar[Resolution]
    HUMAN_ARBITRATION: _ClassVar[Resolution]
ORCHESTRATION_MODE_UNSPECIFIED: OrchestrationMode
SEQUENTIAL: OrchestrationMode
FUSION: OrchestrationMode
DEBATE: OrchestrationMode
RED_TEAM: OrchestrationMode
RESEARCH: OrchestrationMode
RESOLUTION_UNSPECIFIED: Resolution
MAJORITY_VOTE: Resolution
CONFIDENCE_WEIGHTED: Resolution
HIERARCHICAL: Resolution
HUMAN_ARBITRATION: Resolution

class Task(_message.Message):
    __slots__ = ("instruction", "mode", "resolution", "max_output_tokens")
    INSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    instruction: str
    mode: OrchestrationMode
    resolution: Resolution
    max_output_tokens: int
    def __init__(self, instruction: _Optional[str] = ..., mode: _Optional[_Union[OrchestrationMode, str]] = ..., resolution: _Optional[_Union[Resolution, str]] = ..., max_output_tokens: _Optional[int] = ...) -> None: ...

class Destination(_message.Message):
    __slots__ = ("name", "provider", "region", "jurisdiction")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    JURISDICTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    provider: str
    region: str
    jurisdiction: str
    def __init__(self, name: _Optional[str] = ..., provider: _Optional[str] = ..., region: _Optional[str] = ..., jurisdiction: _Optional[str] = ...) -> None: ...

class ModelOutput(_message.Message):
    __slots__ = ("provider", "model", "role", "output", "confidence", "prompt_tokens", "completion_tokens", "latency_ms", "cost_usd", "error", "round", "destination")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    COST_USD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    provider: str
    model: str
    role: str
    output: str
    confidence: float
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    cost_usd: float
    error: str
    round: int
    destination: str
    def __init__(self, provider: _Optional[str] = ..., model: _Optional[str] = ..., role: _Optional[str] = ..., output: _Optional[str] = ..., confidence: _Optional[float] = ..., prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., latency_ms: _Optional[float] = ..., cost_usd: _Optional[float] = ..., error: _Optional[str] = ..., round: _Optional[int] = ..., destination: _Optional[str] = ...) -> None: ...
