from bastion.wire.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReviewSummary(_message.Message):
    __slots__ = ("id", "tenant", "state", "created_unix_ms", "decided_unix_ms", "request_id", "section_index", "category", "entity_counts", "rule_ids", "policy_version", "section_sha256", "reviewer", "deny_reason", "send_status")
    class EntityCountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SECTION_INDEX_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ENTITY_COUNTS_FIELD_NUMBER: _ClassVar[int]
    RULE_IDS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    SECTION_SHA256_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    DENY_REASON_FIELD_NUMBER: _ClassVar[int]
    SEND_STATUS_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant: str
    state: str
    created_unix_ms: int
    decided_unix_ms: int
    request_id: str
    section_index: int
    category: str
    entity_counts: _containers.ScalarMap[str, int]
    rule_ids: _containers.RepeatedScalarFieldContainer[str]
    policy_version: str
    section_sha256: str
    reviewer: str
    deny_reason: str
    send_status: str
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., state: _Optional[str] = ..., created_unix_ms: _Optional[int] = ..., decided_unix_ms: _Optional[int] = ..., request_id: _Optional[str] = ..., section_index: _Optional[int] = ..., category: _Optional[str] = ..., entity_counts: _Optional[_Mapping[str, int]] = ..., rule_ids: _Optional[_Iterable[str]] = ..., policy_version: _Optional[str] = ..., section_sha256: _Optional[str] = ..., reviewer: _Optional[str] = ..., deny_reason: _Optional[str] = ..., send_status: _Optional[str] = ...) -> None: ...

class ListReviewsRequest(_message.Message):
    __slots__ = ("tenant", "state")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    state: str
    def __init__(self, tenant: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class ListReviewsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ReviewSummary]
    def __init__(self, items: _Optional[_Iterable[_Union[ReviewSummary, _Mapping]]] = ...) -> None: ...

class GetReviewRequest(_message.Message):
    __slots__ = ("tenant", "id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    id: str
    def __init__(self, tenant: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class EntityMark(_message.Message):
    __slots__ = ("type", "start", "end")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    type: str
    start: int
    end: int
    def __init__(self, type: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class ReviewDetail(_message.Message):
    __slots__ = ("summary", "heading", "text", "entities", "approvable", "why_not", "current_action", "preview", "preview_sha256", "destinations", "release_rule_ids", "redacted_types", "note")
    class RedactedTypesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    HEADING_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    APPROVABLE_FIELD_NUMBER: _ClassVar[int]
    WHY_NOT_FIELD_NUMBER: _ClassVar[int]
    CURRENT_ACTION_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_SHA256_FIELD_NUMBER: _ClassVar[int]
    DESTINATIONS_FIELD_NUMBER: _ClassVar[int]
    RELEASE_RULE_IDS_FIELD_NUMBER: _ClassVar[int]
    REDACTED_TYPES_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    summary: ReviewSummary
    heading: str
    text: str
    entities: _containers.RepeatedCompositeFieldContainer[EntityMark]
    approvable: bool
    why_not: str
    current_action: str
    preview: str
    preview_sha256: str
    destinations: _containers.RepeatedCompositeFieldContainer[_common_pb2.Destination]
    release_rule_ids: _containers.RepeatedScalarFieldContainer[str]
    redacted_types: _containers.ScalarMap[str, int]
    note: str
    def __init__(self, summary: _Optional[_Union[ReviewSummary, _Mapping]] = ..., heading: _Optional[str] = ..., text: _Optional[str] = ..., entities: _Optional[_Iterable[_Union[EntityMark, _Mapping]]] = ..., approvable: _Optional[bool] = ..., why_not: _Optional[str] = ..., current_action: _Optional[str] = ..., preview: _Optional[str] = ..., preview_sha256: _Optional[str] = ..., destinations: _Optional[_Iterable[_Union[_common_pb2.Destination, _Mapping]]] = ..., release_rule_ids: _Optional[_Iterable[str]] = ..., redacted_types: _Optional[_Mapping[str, int]] = ..., note: _Optional[str] = ...) -> None: ...

class DecideRequest(_message.Message):
    __slots__ = ("tenant", "id", "approve", "reviewer", "preview_sha256", "deny_reason", "note")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_SHA256_FIELD_NUMBER: _ClassVar[int]
    DENY_REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    id: str
    approve: bool
    reviewer: str
    preview_sha256: str
    deny_reason: str
    note: str
    def __init__(self, tenant: _Optional[str] = ..., id: _Optional[str] = ..., approve: _Optional[bool] = ..., reviewer: _Optional[str] = ..., preview_sha256: _Optional[str] = ..., deny_reason: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class DecideResponse(_message.Message):
    __slots__ = ("summary", "status", "reason", "destination", "bytes_sent")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    BYTES_SENT_FIELD_NUMBER: _ClassVar[int]
    summary: ReviewSummary
    status: str
    reason: str
    destination: _common_pb2.Destination
    bytes_sent: int
    def __init__(self, summary: _Optional[_Union[ReviewSummary, _Mapping]] = ..., status: _Optional[str] = ..., reason: _Optional[str] = ..., destination: _Optional[_Union[_common_pb2.Destination, _Mapping]] = ..., bytes_sent: _Optional[int] = ...) -> None: ...

class GetReviewResultRequest(_message.Message):
    __slots__ = ("tenant", "id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    id: str
    def __init__(self, tenant: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class ReviewResult(_message.Message):
    __slots__ = ("summary", "status", "reason", "answer", "destination", "bytes_sent")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    BYTES_SENT_FIELD_NUMBER: _ClassVar[int]
    summary: ReviewSummary
    status: str
    reason: str
    answer: str
    destination: _common_pb2.Destination
    bytes_sent: int
    def __init__(self, summary: _Optional[_Union[ReviewSummary, _Mapping]] = ..., status: _Optional[str] = ..., reason: _Optional[str] = ..., answer: _Optional[str] = ..., destination: _Optional[_Union[_common_pb2.Destination, _Mapping]] = ..., bytes_sent: _Optional[int] = ...) -> None: ...
