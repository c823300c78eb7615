from django.urls import path

from households import views
from households.importing import HOUSEHOLDS

app_name = "households"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_form, name="create"),
    path("export.xlsx", views.household_export, name="export"),
    path("import/", views.import_upload, {"roster": HOUSEHOLDS}, name="import"),
    path(
        "import/template.xlsx",
        views.import_template,
        {"roster": HOUSEHOLDS},
        name="import-template",
    ),
    path("import/<int:pk>/", views.import_preview, {"roster": HOUSEHOLDS}, name="import-preview"),
    path("cards/", views.card_sheets, name="cards"),
    path("cards/print/", views.card_print, name="cards-print"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/card/rotate/", views.card_rotate, name="card-rotate"),
    path("<int:pk>/sms-consent/", views.household_sms_consent, name="sms-consent"),
    path("<int:pk>/edit/", views.household_form, name="edit"),
    path("<int:pk>/reinstate/", views.household_reinstate, name="reinstate"),
]
