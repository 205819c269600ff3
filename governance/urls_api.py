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
    path(
        "delegates/<int:accreditation_id>/approve/",
        api.DelegateApproveApi.as_view(),
        name="delegate-approve",
    ),
]

from governance import api_voting  # noqa: E402 - kept beside the membership routes it extends

urlpatterns += [
    path("projects/", api_voting.ProjectListApi.as_view(), name="project-list"),
    path("motions/", api_voting.MotionListApi.as_view(), name="motion-list"),
    path("motions/<int:motion_id>/", api_voting.MotionDetailApi.as_view(), name="motion-detail"),
    path(
        "motions/<int:motion_id>/ballots/", api_voting.BallotCastApi.as_view(), name="ballot-cast"
    ),
    path("motions/<int:motion_id>/recusals/", api_voting.RecusalApi.as_view(), name="recusal"),
    path(
        "motions/<int:motion_id>/withdraw/",
        api_voting.MotionWithdrawApi.as_view(),
        name="motion-withdraw",
    ),
    path(
        "motions/<int:motion_id>/<str:action>/",
        api_voting.MotionTransitionApi.as_view(),
        name="motion-transition",
    ),
    path("proxies/", api_voting.ProxyListApi.as_view(), name="proxy-list"),
    path(
        "proxies/<int:proxy_id>/revoke/", api_voting.ProxyRevokeApi.as_view(), name="proxy-revoke"
    ),
    path(
        "public/motions/<int:motion_id>/verify/",
        api_voting.PublicVerifyApi.as_view(),
        name="public-verify",
    ),
    path(
        "public/motions/<int:motion_id>/chain/",
        api_voting.PublicChainApi.as_view(),
        name="public-chain",
    ),
]

from governance import api_log  # noqa: E402 - the public decision log beside public verification

urlpatterns += [
    path("public/log/", api_log.LogHeadApi.as_view(), name="public-log"),
    path("public/log/entries/", api_log.LogEntriesApi.as_view(), name="public-log-entries"),
    path(
        "public/log/proof/inclusion/",
        api_log.LogInclusionApi.as_view(),
        name="public-log-inclusion",
    ),
    path(
        "public/log/proof/consistency/",
        api_log.LogConsistencyApi.as_view(),
        name="public-log-consistency",
    ),
]

from governance import api_secret  # noqa: E402 - secret votes with encrypted ballots (issue 16)

urlpatterns += [
    path(
        "secret-votes/<int:motion_id>/",
        api_secret.SecretVoteStateApi.as_view(),
        name="secret-vote-state",
    ),
    path(
        "secret-votes/<int:motion_id>/trustees/",
        api_secret.TrusteesNameApi.as_view(),
        name="secret-vote-trustees",
    ),
    path(
        "secret-votes/<int:motion_id>/ceremony/",
        api_secret.CeremonyApi.as_view(),
        name="secret-vote-ceremony",
    ),
    path(
        "secret-votes/<int:motion_id>/ceremony/key/",
        api_secret.CeremonyKeyApi.as_view(),
        name="secret-vote-key",
    ),
    path(
        "secret-votes/<int:motion_id>/ceremony/shares/",
        api_secret.CeremonySharesApi.as_view(),
        name="secret-vote-shares",
    ),
    path(
        "secret-votes/<int:motion_id>/ceremony/confirm/",
        api_secret.CeremonyConfirmApi.as_view(),
        name="secret-vote-confirm",
    ),
    path(
        "secret-votes/<int:motion_id>/ceremony/partial/",
        api_secret.CeremonyPartialApi.as_view(),
        name="secret-vote-partial",
    ),
    path(
        "secret-votes/<int:motion_id>/ballots/",
        api_secret.EncryptedBallotApi.as_view(),
        name="secret-vote-ballot",
    ),
    path(
        "public/secret-votes/<int:motion_id>/board/",
        api_secret.PublicBoardApi.as_view(),
        name="public-secret-board",
    ),
]

from governance import api_rulebook  # noqa: E402 - before the motion steps' catch-all route

urlpatterns[:0] = [
    path(
        "motions/<int:motion_id>/attendance/",
        api_rulebook.AttendanceApi.as_view(),
        name="motion-attendance",
    ),
    path(
        "motions/<int:motion_id>/check-in/",
        api_rulebook.CheckInApi.as_view(),
        name="motion-check-in",
    ),
    path(
        "motions/<int:motion_id>/casting-vote/",
        api_rulebook.CastingVoteApi.as_view(),
        name="motion-casting-vote",
    ),
    path("programmes/", api_rulebook.ProgrammeListApi.as_view(), name="programme-list"),
    path(
        "programmes/<slug:code>/key/",
        api_rulebook.ProgrammeKeyApi.as_view(),
        name="programme-key",
    ),
]

from governance import api_sessions  # noqa: E402 - council sessions (issue 18)

urlpatterns += [
    path("sessions/", api_sessions.SessionListApi.as_view(), name="session-list"),
    path(
        "sessions/<int:session_id>/", api_sessions.SessionDetailApi.as_view(), name="session-detail"
    ),
    path(
        "sessions/<int:session_id>/items/",
        api_sessions.AgendaItemApi.as_view(),
        name="session-items",
    ),
    path(
        "sessions/<int:session_id>/attendance/",
        api_sessions.AttendanceApi.as_view(),
        name="session-attendance",
    ),
    path(
        "sessions/<int:session_id>/minutes/",
        api_sessions.MinutesApi.as_view(),
        name="session-minutes",
    ),
    path(
        "sessions/<int:session_id>/<str:action>/",
        api_sessions.SessionStepApi.as_view(),
        name="session-step",
    ),
    path("public/sessions/", api_sessions.PublicSessionListApi.as_view(), name="public-sessions"),
]
# Before the motion's "<action>" steps, which would otherwise take "amendments" for a step.
urlpatterns.insert(
    0,
    path(
        "motions/<int:motion_id>/amendments/",
        api_sessions.AmendmentListApi.as_view(),
        name="motion-amendments",
    ),
)
