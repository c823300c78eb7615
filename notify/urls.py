from django.urls import path

from notify import receipts

app_name = "notify"

urlpatterns = [
    path("receipts/<str:provider>/<str:secret>/", receipts.receipt, name="receipt"),
    path("replies/<str:provider>/<str:secret>/", receipts.reply, name="reply"),
]
