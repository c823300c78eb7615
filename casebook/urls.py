from django.urls import path

from casebook import views

app_name = "casebook"

urlpatterns = [
    path("due/", views.due, name="due"),
    path("notebook/", views.notebook, name="notebook"),
    path("visits/new/", views.visit_new, name="visit-new"),
    path("visits/sync/", views.visit_sync, name="visit-sync"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit-edit"),
    path("requests/", views.inbox, name="inbox"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/<slug:action>/", views.request_action, name="request-action"),
    path("voice/<int:pk>/", views.voice_play, name="voice"),
    path("pavilions/", views.pavilions, name="pavilions"),
    path("pavilions/<int:pk>/", views.pavilion_edit, name="pavilion-edit"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting-new"),
    path("meetings/from-cluster/", views.cluster_agenda, name="cluster-agenda"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/close/", views.meeting_close, name="meeting-close"),
    path("meetings/<int:pk>/agreement/", views.meeting_agreement, name="meeting-agreement"),
    # A member's handover moves their links and their open requests together.
    path("members/<int:pk>/handover/", views.member_handover, name="member-handover"),
]
