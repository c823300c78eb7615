from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@login_required
@require_safe
def bench_trivial(request: HttpRequest) -> HttpResponse:
    """The benchmark's floor: a logged-in page rendering a small template."""
    return render(request, "devtools/bench_trivial.html", {"user": request.user})
