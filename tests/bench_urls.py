"""The project's URLs plus the benchmark's trivial view (as BENCHMARK_VIEWS=1 gives)."""

from django.urls import path

from liaison import views
from liaison.urls import urlpatterns as project

urlpatterns = [*project, path("bench/trivial/", views.bench_trivial, name="bench-trivial")]
