from django.urls import path

from core import api

urlpatterns = [
    path("tokens/", api.ApiTokenListCreateApi.as_view(), name="api-token-list"),
    path("tokens/<int:token_id>/revoke/", api.ApiTokenRevokeApi.as_view(), name="api-token-revoke"),
    path("audit/", api.AuditEventListApi.as_view(), name="audit-list"),
]
