from django.urls import path

from governance import api

urlpatterns = [
    path("member-states/", api.MemberStateListApi.as_view(), name="member-state-list"),
    path(
        "member-states/<str:code>/", api.MemberStateDetailApi.as_view(), name="member-state-detail"
    ),
    path("councils/", api.CouncilListApi.as_view(), name="council-list"),
    path("councils/<slug:code>/", api.CouncilDetailApi.as_view(), name="council-detail"),
    path("councils/<slug:code>/seats/", api.CouncilSeatListApi.as_view(), name="council-seat-list"),
    path("seats/<int:seat_id>/end/", api.SeatEndApi.as_view(), name="seat-end"),
    path("delegates/", api.DelegateListApi.as_view(), name="delegate-list"),
    path(
        "delegates/<int:accreditation_id>/end/", api.DelegateEndApi.as_view(), name="delegate-end"
    ),
]
