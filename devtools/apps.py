from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Developer tooling: the demo seed, the benchmark, the soak and the load test.

    Installed so that its management commands exist; nothing in the product imports it.
    """

    name = "devtools"
    verbose_name = "Developer tooling"
