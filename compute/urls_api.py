from django.urls import path

from compute import api

urlpatterns = [
    path("compute/clusters/", api.ClusterListApi.as_view(), name="compute-cluster-list"),
    path("compute/clusters/<str:cluster>/drift/", api.DriftApi.as_view(), name="compute-drift"),
    path("compute/periods/", api.PeriodListApi.as_view(), name="compute-period-list"),
    path(
        "compute/periods/<int:period_id>/quotas/",
        api.PeriodQuotaApi.as_view(),
        name="compute-period-quotas",
    ),
    path("compute/projects/<slug:code>/", api.ProjectComputeApi.as_view(), name="compute-project"),
    path(
        "compute/projects/<slug:code>/members/",
        api.ProjectMemberApi.as_view(),
        name="compute-project-members",
    ),
    path(
        "compute/projects/<slug:code>/freeze/",
        api.ProjectFreezeApi.as_view(),
        name="compute-project-freeze",
    ),
    path("compute/sync-runs/", api.SyncRunListApi.as_view(), name="compute-sync-run-list"),
    path(
        "compute/sync-runs/<int:run_id>/",
        api.SyncRunDetailApi.as_view(),
        name="compute-sync-run-detail",
    ),
]
