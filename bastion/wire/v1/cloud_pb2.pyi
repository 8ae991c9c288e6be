from bastion.wire.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OutboundSection(_message.Message):
    __slots__ = ("index", "heading", "text", "category")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    HEADING_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    index: int
    heading: str
    text: str
    category: str
    def __init__(self, index: _Optional[int] = ..., heading: _Optional[str] = ..., text: _Optional[str] = ..., category: _Optional[str] = ...) -> None: ...

class OrchestrateRequest(_message.Message):
    __slots__ = ("request_id", "tenant", "task", "sections", "allowed_destinations", "token_budget")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_DESTINATIONS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_BUDGET_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    tenant: str
    task: _common_pb2.Task
    sections: _containers.RepeatedCompositeFieldContainer[OutboundSection]
    allowed_destinations: _containers.RepeatedCompositeFieldContainer[_common_pb2.Destination]
    token_budget: int
    def __init__(self, request_id: _Optional[str] = ..., tenant: _Optional[str] = ..., task: _Optional[_Union[_common_pb2.Task, _Mapping]] = ..., sections: _Optional[_Iterable[_Union[OutboundSection, _Mapping]]] = ..., allowed_destinations: _Optional[_Iterable[_Union[_common_pb2.Destination, _Mapping]]] = ..., token_budget: _Optional[int] = ...) -> None: ...

class OrchestrateResponse(_message.Message):
    __slots__ = ("request_id", "answer", "outputs", "agreement", "strategy", "needs_review", "disagreement", "injection_findings", "total_tokens", "latency_ms", "cost_usd")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    NEEDS_REVIEW_FIELD_NUMBER: _ClassVar[int]
    DISAGREEMENT_FIELD_NUMBER: _ClassVar[int]
    INJECTION_FINDINGS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    COST_USD_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    answer: str
    outputs: _containers.RepeatedCompositeFieldContainer[_common_pb2.ModelOutput]
    agreement: float
    strategy: _common_pb2.Resolution
    needs_review: bool
    disagreement: str
    injection_findings: _containers.RepeatedScalarFieldContainer[str]
    total_tokens: int
    latency_ms: float
    cost_usd: float
    def __init__(self, request_id: _Optional[str] = ..., answer: _Optional[str] = ..., outputs: _Optional[_Iterable[_Union[_common_pb2.ModelOutput, _Mapping]]] = ..., agreement: _Optional[float] = ..., strategy: _Optional[_Union[_common_pb2.Resolution, str]] = ..., needs_review: _Optional[bool] = ..., disagreement: _Optional[str] = ..., injection_findings: _Optional[_Iterable[str]] = ..., total_tokens: _Optional[int] = ..., latency_ms: _Optional[float] = ..., cost_usd: _Optional[float] = ...) -> None: ...
