"""The console's client of the agent's ``Review`` gRPC service.

The console never opens the review queue itself (its text is sealed with the agent's
key): it asks the agent, with the reviewer token configured for the tenant, and passes
the signed-in person's name as ``reviewer`` - the agent records both.
"""

from __future__ import annotations

import grpc

from bastion.errors import BastionError, InvalidInput, PermissionDenied, UpstreamError
from bastion.wire.v1 import review_pb2, review_pb2_grpc
from compliance.console.config import ReviewSettings


class ReviewClient:
    def __init__(self, settings: ReviewSettings) -> None:
        self._settings = settings
        if settings.ca is not None:
            creds = grpc.ssl_channel_credentials(root_certificates=settings.ca.read_bytes())
            self._channel = grpc.aio.secure_channel(settings.endpoint, creds)
        else:
            self._channel = grpc.aio.insecure_channel(settings.endpoint)
        self._stub = review_pb2_grpc.ReviewStub(self._channel)  # type: ignore[no-untyped-call]

    def _metadata(self, tenant: str) -> tuple[tuple[str, str], ...]:
        path = self._settings.token_files.get(tenant)
        if path is None:
            return ()
        try:
            token = path.read_text().strip()
        except OSError:
            raise BastionError(f"cannot read the reviewer token file for {tenant}") from None
        return (("authorization", f"Bearer {token}"),)

    async def _call(self, method: str, request: object, tenant: str) -> object:
        try:
            return await getattr(self._stub, method)(
                request, timeout=30, metadata=self._metadata(tenant)
            )
        except grpc.aio.AioRpcError as exc:
            code, details = exc.code(), exc.details() or ""
            if code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED):
                raise PermissionDenied(details) from None
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise InvalidInput(details) from None
            raise UpstreamError(f"agent review service: {code.name}: {details}") from None

    async def list(self, tenant: str, state: str = "") -> list[review_pb2.ReviewSummary]:
        r = await self._call(
            "List", review_pb2.ListReviewsRequest(tenant=tenant, state=state), tenant
        )
        assert isinstance(r, review_pb2.ListReviewsResponse)
        return list(r.items)

    async def get(self, tenant: str, item_id: str) -> review_pb2.ReviewDetail:
        r = await self._call("Get", review_pb2.GetReviewRequest(tenant=tenant, id=item_id), tenant)
        assert isinstance(r, review_pb2.ReviewDetail)
        return r

    async def decide(self, request: review_pb2.DecideRequest) -> review_pb2.DecideResponse:
        r = await self._call("Decide", request, request.tenant)
        assert isinstance(r, review_pb2.DecideResponse)
        return r

    async def close(self) -> None:
        await self._channel.close()
