from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from liaison import access, selectors


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    scope = access.scope_for(request.user)
    return render(
        request,
        "liaison/home.html",
        {
            "figures": selectors.home_figures(request.user),
            "scope": scope,
            "villages": access.villages(request.user)[:30] if scope.is_staff_level else None,
        },
    )
