from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from infra import cache, registry
from infra.models import AccessLog, AuditEvent, Job

if TYPE_CHECKING:  # the mixins below are mixed into a ModelAdmin
    from django.contrib.admin.options import _FieldGroups
    from django.utils.functional import _StrPromise

    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object


class ReadOnlyAdmin(_AdminBase):
    """A ModelAdmin mixin for records that are written by the system and never edited:
    readable in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class TouchesVillages(_AdminBase):
    """A ModelAdmin mixin: an edit in the admin goes around the services, so it marks the
    villages whose cached figures it may change (the object's village before and after)."""

    def villages_of(self, obj: Any) -> list[int | None]:
        return [obj.village_id]

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        cache.touch([*self.villages_of(obj), form.initial.get("village")])

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        villages = self.villages_of(obj)
        super().delete_model(request, obj)
        cache.touch(villages)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        villages = [pk for obj in queryset for pk in self.villages_of(obj)]
        super().delete_queryset(request, queryset)
        cache.touch(villages)


def registry_filter(
    field: str, title: _StrPromise, choices: Callable[[], list[tuple[str, str]]]
) -> type[admin.SimpleListFilter]:
    """A list filter over a coded field, offering the codes features registered (with their
    labels) rather than the raw values found in the table."""

    class RegistryFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(
            self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
        ) -> list[tuple[str, str]]:
            return choices()

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            value = self.value()
            return queryset.filter(**{field: value}) if value else queryset

    RegistryFilter.title = title
    return RegistryFilter


class LabelInPlace(_AdminBase):
    """A read-only page shows a coded field by its registered label, where the field was."""

    coded_field = ""
    label_field = ""

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> _FieldGroups:
        fields = [f for f in super().get_fields(request, obj) if f != self.label_field]
        return [self.label_field if f == self.coded_field else f for f in fields]


@admin.register(AccessLog)
class AccessLogAdmin(LabelInPlace, ReadOnlyAdmin, admin.ModelAdmin[AccessLog]):
    """Who exported or printed personal data: readable, never editable."""

    list_display = ["at", "user", "action_label", "description", "record_count", "ip_address"]
    list_filter = [registry_filter("action", _("action"), registry.access_actions)]
    readonly_fields = ["action_label"]
    coded_field, label_field = "action", "action_label"
    list_select_related = ["user"]
    search_fields = ["user__username", "description"]
    date_hierarchy = "at"

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, entry: AccessLog) -> str:
        return entry.action_label


@admin.register(AuditEvent)
class AuditEventAdmin(LabelInPlace, ReadOnlyAdmin, admin.ModelAdmin[AuditEvent]):
    """Log-ins, passwords, second factors, roles and links: readable, never editable."""

    list_display = ["at", "username", "action_label", "target", "detail", "ip_address"]
    list_filter = [registry_filter("action", _("action"), registry.audit_actions)]
    readonly_fields = ["action_label"]
    coded_field, label_field = "action", "action_label"
    search_fields = ["username", "target", "detail", "ip_address"]
    date_hierarchy = "at"
    list_per_page = 100

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, event: AuditEvent) -> str:
        return event.action_label


@admin.register(Job)
class JobAdmin(LabelInPlace, ReadOnlyAdmin, admin.ModelAdmin[Job]):
    """Background jobs (exports, imports, reminders): who asked, how far, how they ended."""

    list_display = [
        "created_at", "kind_label", "user", "status", "done", "total", "finished_at", "error"
    ]  # fmt: skip
    list_filter = [registry_filter("kind", _("kind"), registry.job_kinds), "status"]
    readonly_fields = ["kind_label"]
    coded_field, label_field = "kind", "kind_label"
    list_select_related = ["user"]
    search_fields = ["user__username", "error"]
    date_hierarchy = "created_at"

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, job: Job) -> str:
        return job.kind_label
