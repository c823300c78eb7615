from django.urls import path

from households import views as roster_views
from members import views

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_create, name="create"),
    path("export.xlsx", views.member_export, name="export"),
    path("import/", roster_views.import_upload, {"kind": "members"}, name="import"),
    path(
        "import/template.xlsx",
        roster_views.import_template,
        {"kind": "members"},
        name="import-template",
    ),
    path(
        "import/<int:pk>/", roster_views.import_preview, {"kind": "members"}, name="import-preview"
    ),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/retire/", views.member_retire, name="retire"),
]

urlpatterns += [
    path("board/", views.board_index, name="board-index"),
    path("board/<int:village_pk>/", views.board, name="board"),
    path("board/<int:village_pk>/assign/", views.board_assign, name="board-assign"),
    path("board/<int:village_pk>/proposal/", views.proposal, name="proposal"),
    path("link/<int:pk>/", views.household_link, name="household-link"),
    path("<int:pk>/handover/", views.handover, name="handover"),
]
