from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Party members")

    def ready(self):
        # The job kinds and audit actions members register (infra.registry).
        from households import hooks
        from members import importing, selectors, services, tasks  # noqa: F401

        # The registry scopes and shows households by their member: it reads the links
        # through what is lent here, never by reaching up (households.hooks).
        hooks.register_links(
            hooks.Links(
                open_links=selectors.open_links,
                with_member=selectors.with_linked_member,
                member_of=selectors.member_of,
            )
        )
        hooks.register_household_page_section(selectors.household_links)
