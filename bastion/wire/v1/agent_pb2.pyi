from bastion.wire.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SectionInput(_message.Message):
    __slots__ = ("heading", "text")
    HEADING_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    heading: str
    text: bytes
    def __init__(self, heading: _Optional[str] = ..., text: _Optional[bytes] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ("tenant", "document_id", "source_jurisdiction", "text", "sections")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_JURISDICTION_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    document_id: str
    source_jurisdiction: str
    text: bytes
    sections: _containers.RepeatedCompositeFieldContainer[SectionInput]
    def __init__(self, tenant: _Optional[str] = ..., document_id: _Optional[str] = ..., source_jurisdiction: _Optional[str] = ..., text: _Optional[bytes] = ..., sections: _Optional[_Iterable[_Union[SectionInput, _Mapping]]] = ...) -> None: ...

class AnalyzeRequest(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: Document
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ...) -> None: ...

class EntitySpan(_message.Message):
    __slots__ = ("type", "start", "end", "score")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    type: str
    start: int
    end: int
    score: float
    def __init__(self, type: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., score: _Optional[float] = ...) -> None: ...

class SectionAnalysis(_message.Message):
    __slots__ = ("index", "heading", "start", "end", "category", "category_scores", "entities", "entity_counts")
    class CategoryScoresEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class EntityCountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    INDEX_FIELD_NUMBER: _ClassVar[int]
    HEADING_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_SCORES_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    ENTITY_COUNTS_FIELD_NUMBER: _ClassVar[int]
    index: int
    heading: str
    start: int
    end: int
    category: str
    category_scores: _containers.ScalarMap[str, float]
    entities: _containers.RepeatedCompositeFieldContainer[EntitySpan]
    entity_counts: _containers.ScalarMap[str, int]
    def __init__(self, index: _Optional[int] = ..., heading: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., category: _Optional[str] = ..., category_scores: _Optional[_Mapping[str, float]] = ..., entities: _Optional[_Iterable[_Union[EntitySpan, _Mapping]]] = ..., entity_counts: _Optional[_Mapping[str, int]] = ...) -> None: ...

class AnalyzeResponse(_message.Message):
    __slots__ = ("request_id", "document_id", "sections", "model_versions", "audit_entry_ids")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRY_IDS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document_id: str
    sections: _containers.RepeatedCompositeFieldContainer[SectionAnalysis]
    model_versions: _containers.RepeatedScalarFieldContainer[str]
    audit_entry_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, request_id: _Optional[str] = ..., document_id: _Optional[str] = ..., sections: _Optional[_Iterable[_Union[SectionAnalysis, _Mapping]]] = ..., model_versions: _Optional[_Iterable[str]] = ..., audit_entry_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class RouteRequest(_message.Message):
    __slots__ = ("document", "task")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    document: Document
    task: _common_pb2.Task
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ..., task: _Optional[_Union[_common_pb2.Task, _Mapping]] = ...) -> None: ...

class RouteChunk(_message.Message):
    __slots__ = ("header", "task", "text", "sections")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    header: Document
    task: _common_pb2.Task
    text: bytes
    sections: _containers.RepeatedCompositeFieldContainer[SectionInput]
    def __init__(self, header: _Optional[_Union[Document, _Mapping]] = ..., task: _Optional[_Union[_common_pb2.Task, _Mapping]] = ..., text: _Optional[bytes] = ..., sections: _Optional[_Iterable[_Union[SectionInput, _Mapping]]] = ...) -> None: ...

class SectionOutcome(_message.Message):
    __slots__ = ("index", "heading", "start", "end", "category", "entity_counts", "action", "rule_ids", "status", "reason", "destination", "redacted_types", "bytes_sent", "audit_entry_ids", "destinations", "review_id")
    class EntityCountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    INDEX_FIELD_NUMBER: _ClassVar[int]
    HEADING_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ENTITY_COUNTS_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RULE_IDS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    REDACTED_TYPES_FIELD_NUMBER: _ClassVar[int]
    BYTES_SENT_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRY_IDS_FIELD_NUMBER: _ClassVar[int]
    DESTINATIONS_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    index: int
    heading: str
    start: int
    end: int
    category: str
    entity_counts: _containers.ScalarMap[str, int]
    action: str
    rule_ids: _containers.RepeatedScalarFieldContainer[str]
    status: str
    reason: str
    destination: _common_pb2.Destination
    redacted_types: _containers.RepeatedScalarFieldContainer[str]
    bytes_sent: int
    audit_entry_ids: _containers.RepeatedScalarFieldContainer[int]
    destinations: _containers.RepeatedCompositeFieldContainer[_common_pb2.Destination]
    review_id: str
    def __init__(self, index: _Optional[int] = ..., heading: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., category: _Optional[str] = ..., entity_counts: _Optional[_Mapping[str, int]] = ..., action: _Optional[str] = ..., rule_ids: _Optional[_Iterable[str]] = ..., status: _Optional[str] = ..., reason: _Optional[str] = ..., destination: _Optional[_Union[_common_pb2.Destination, _Mapping]] = ..., redacted_types: _Optional[_Iterable[str]] = ..., bytes_sent: _Optional[int] = ..., audit_entry_ids: _Optional[_Iterable[int]] = ..., destinations: _Optional[_Iterable[_Union[_common_pb2.Destination, _Mapping]]] = ..., review_id: _Optional[str] = ...) -> None: ...

class RouteResponse(_message.Message):
    __slots__ = ("request_id", "document_id", "policy_version", "status", "answer", "sections", "model_outputs", "agreement", "strategy", "needs_review", "injection_findings", "audit_entry_ids", "instruction")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    MODEL_OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    NEEDS_REVIEW_FIELD_NUMBER: _ClassVar[int]
    INJECTION_FINDINGS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRY_IDS_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document_id: str
    policy_version: str
    status: str
    answer: str
    sections: _containers.RepeatedCompositeFieldContainer[SectionOutcome]
    model_outputs: _containers.RepeatedCompositeFieldContainer[_common_pb2.ModelOutput]
    agreement: float
    strategy: _common_pb2.Resolution
    needs_review: bool
    injection_findings: _containers.RepeatedScalarFieldContainer[str]
    audit_entry_ids: _containers.RepeatedScalarFieldContainer[int]
    instruction: SectionOutcome
    def __init__(self, request_id: _Optional[str] = ..., document_id: _Optional[str] = ..., policy_version: _Optional[str] = ..., status: _Optional[str] = ..., answer: _Optional[str] = ..., sections: _Optional[_Iterable[_Union[SectionOutcome, _Mapping]]] = ..., model_outputs: _Optional[_Iterable[_Union[_common_pb2.ModelOutput, _Mapping]]] = ..., agreement: _Optional[float] = ..., strategy: _Optional[_Union[_common_pb2.Resolution, str]] = ..., needs_review: _Optional[bool] = ..., injection_findings: _Optional[_Iterable[str]] = ..., audit_entry_ids: _Optional[_Iterable[int]] = ..., instruction: _Optional[_Union[SectionOutcome, _Mapping]] = ...) -> None: ...
