from django.urls import path

from households import views

app_name = "households"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_create, name="create"),
    path("export.xlsx", views.household_export, name="export"),
    path("import/", views.import_upload, {"kind": "households"}, name="import"),
    path(
        "import/template.xlsx",
        views.import_template,
        {"kind": "households"},
        name="import-template",
    ),
    path("import/<int:pk>/", views.import_preview, {"kind": "households"}, name="import-preview"),
    path("cards/", views.card_sheets, name="cards"),
    path("cards/print/", views.card_print, name="cards-print"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/card/rotate/", views.card_rotate, name="card-rotate"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    path("<int:pk>/retire/", views.household_retire, name="retire"),
    path("<int:pk>/reinstate/", views.household_reinstate, name="reinstate"),
]
