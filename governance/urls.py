from django.urls import path

from governance import (
    views,
    views_drafting,
    views_rulebook,
    views_safety,
    views_secret,
    views_voting,
)

app_name = "governance"
urlpatterns = [
    path("my/", views.dashboard, name="dashboard"),
    path("my/councils/", views.my_councils, name="my_councils"),
    path("projects/<slug:code>/", views.project_detail, name="project_detail"),
    path("my/votes/", views_voting.my_open_votes, name="my_open_votes"),
    path("motions/<int:motion_id>/", views_voting.motion_detail, name="motion_detail"),
    path("motions/<int:motion_id>/vote/", views_voting.vote_confirm, name="vote"),
    path(
        "motions/<int:motion_id>/documents/<int:document_id>/",
        views_voting.document_download,
        name="document_download",
    ),
    path(
        "motions/<int:motion_id>/step/<str:action>/", views_voting.motion_step, name="motion_step"
    ),
    path(
        "motions/<int:motion_id>/attendance/",
        views_rulebook.attendance_mark,
        name="attendance_mark",
    ),
    path(
        "motions/<int:motion_id>/check-in/",
        views_rulebook.attendance_check_in,
        name="attendance_check_in",
    ),
    path(
        "motions/<int:motion_id>/casting-vote/",
        views_rulebook.casting_vote,
        name="casting_vote",
    ),
    path("motions/<int:motion_id>/edit/", views_drafting.motion_edit, name="motion_edit"),
    path(
        "motions/<int:motion_id>/withdraw/", views_drafting.motion_withdraw, name="motion_withdraw"
    ),
    path(
        "motions/<int:motion_id>/trustees/",
        views_secret.secret_vote_trustees,
        name="secret_vote_trustees",
    ),
    path("motions/<int:motion_id>/ceremony/", views_secret.ceremony, name="ceremony"),
    path("motions/<int:motion_id>/secret-vote/", views_secret.secret_vote, name="secret_vote"),
    path("secretariat/", views_voting.secretariat, name="secretariat"),
    path("secretariat/motions/new/", views_drafting.motion_new, name="motion_new"),
    path(
        "secretariat/accreditations/<int:accreditation_id>/approve/",
        views_voting.accreditation_approve,
        name="accreditation_approve",
    ),
    path("safety/", views_safety.safety_home, name="safety_home"),
    path(
        "safety/escalations/<int:escalation_id>/",
        views_safety.escalation_detail,
        name="escalation_detail",
    ),
    path(
        "safety/escalations/<int:escalation_id>/evidence/<int:evidence_id>/",
        views_safety.evidence_download,
        name="evidence_download",
    ),
    path(
        "safety/escalations/<int:escalation_id>/<str:action>/",
        views_safety.escalation_step,
        name="escalation_step",
    ),
]

from governance import views_sessions  # noqa: E402 - council sessions (issue 18), kept apart

urlpatterns += [
    path("sessions/", views_sessions.session_list, name="session_list"),
    path("sessions/new/", views_sessions.session_new, name="session_new"),
    path("sessions/<int:session_id>/", views_sessions.session_detail_page, name="session_detail"),
    path(
        "sessions/<int:session_id>/step/<str:action>/",
        views_sessions.session_step,
        name="session_step",
    ),
    path(
        "sessions/<int:session_id>/items/", views_sessions.agenda_item_add, name="agenda_item_add"
    ),
    path(
        "sessions/<int:session_id>/items/<int:item_id>/<str:action>/",
        views_sessions.agenda_item_step,
        name="agenda_item_step",
    ),
    path(
        "sessions/<int:session_id>/check-in/",
        views_sessions.session_check_in,
        name="session_check_in",
    ),
    path("sessions/<int:session_id>/mark/", views_sessions.session_mark, name="session_mark"),
    path("sessions/<int:session_id>/proxy/", views_sessions.session_proxy, name="session_proxy"),
    path(
        "sessions/<int:session_id>/documents/",
        views_sessions.session_document_add,
        name="session_document_add",
    ),
    path(
        "sessions/<int:session_id>/documents/<int:document_id>/",
        views_sessions.session_document_download,
        name="session_document_download",
    ),
    path("sessions/<int:session_id>/minutes/", views_sessions.minutes_page, name="minutes"),
    path("motions/<int:motion_id>/amendments/", views_sessions.amendments_page, name="amendments"),
    path(
        "motions/<int:motion_id>/amendments/<int:amendment_id>/<str:action>/",
        views_sessions.amendment_step,
        name="amendment_step",
    ),
    path(
        "motions/<int:motion_id>/final-vote/",
        views_sessions.motion_final_vote,
        name="motion_final_vote",
    ),
    path("sessions/calendar/<str:token>.ics", views_sessions.calendar_feed, name="calendar_feed"),
    path("sessions/calendar/rotate/", views_sessions.calendar_rotate, name="calendar_rotate"),
    path("sessions/e-mails/", views_sessions.session_emails, name="session_emails"),
    path(
        "sessions/unsubscribe/<str:token>/",
        views_sessions.unsubscribe,
        name="sessions_unsubscribe",
    ),
]
