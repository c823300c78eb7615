from django.conf import settings

from households import access


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_TOWNSHIP_NAME": settings.SITE_TOWNSHIP_NAME,
        # Read once per request and cached on the user: navigation fits the role.
        "nav_scope": access.scope_for(user) if user is not None else access.ANONYMOUS,
    }
