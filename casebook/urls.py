from django.urls import path

from casebook import views

app_name = "casebook"

urlpatterns = [
    path("due/", views.due, name="due"),
    path("notebook/", views.notebook, name="notebook"),
    path("visits/new/", views.visit_new, name="visit-new"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit-edit"),
    path("requests/", views.inbox, name="inbox"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/<slug:action>/", views.request_action, name="request-action"),
]
