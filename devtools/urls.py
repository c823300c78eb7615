"""The project's URLs plus the trivial view that the benchmark compares every page with."""

from django.urls import path

from devtools import views
from liaison.urls import handler400  # noqa: F401 -- the 400 page with its message
from liaison.urls import urlpatterns as project

urlpatterns = [*project, path("bench/trivial/", views.bench_trivial, name="bench-trivial")]
