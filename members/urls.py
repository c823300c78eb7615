from django.urls import path

from households import views as roster_views
from members import views
from members.importing import MEMBERS

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_form, name="create"),
    path("export.xlsx", views.member_export, name="export"),
    # The registry's import views, with the member roster's columns.
    path("import/", roster_views.import_upload, {"roster": MEMBERS}, name="import"),
    path(
        "import/template.xlsx",
        roster_views.import_template,
        {"roster": MEMBERS},
        name="import-template",
    ),
    path(
        "import/<int:pk>/", roster_views.import_preview, {"roster": MEMBERS}, name="import-preview"
    ),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_form, name="edit"),
    path("<int:pk>/retire/", views.retire, {"kind": views.RETIRE_MEMBER}, name="retire"),
]

urlpatterns += [
    path("board/", views.board_index, name="board-index"),
    path("board/<int:village_pk>/", views.board, name="board"),
    path("board/<int:village_pk>/assign/", views.board_assign, name="board-assign"),
    path("board/<int:village_pk>/proposal/", views.proposal, name="proposal"),
    path("link/<int:pk>/", views.household_link, name="household-link"),
    # Retiring a household ends its link: a change of this floor, asked from the household page.
    path(
        "link/<int:pk>/retire/",
        views.retire,
        {"kind": views.RETIRE_HOUSEHOLD},
        name="household-retire",
    ),
]
