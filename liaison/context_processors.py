from django.conf import settings


def site(request):
    return {"SITE_TOWNSHIP_NAME": settings.SITE_TOWNSHIP_NAME}
