"""The admin site for organizations, units, people and periods, and the machinery every Headway
admin page shares: a staff user sees only the organizations they administer, and every write goes
through a service so validation, rollups and the audit trail happen as they do everywhere else.

How a write flows: the form validates the fields, then calls the service while it validates, so
a service's refusal lands on the form (field by field) instead of surfacing as a server error. If
anything on the page is refused after a service wrote (another inline row, say), the whole POST
is rolled back, so a page shown with errors never leaves half of its writes behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django import forms
from django.contrib import admin
from django.contrib.admin.options import BaseModelAdmin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router, transaction
from django.db.models import QuerySet, UniqueConstraint
from django.forms.models import InlineForeignKeyField, construct_instance
from django.http import Http404, HttpRequest, HttpResponse

from headway import access
from headway.audit.models import AuditEvent
from headway.audit.services import audit_record, snapshot
from headway.org import services
from headway.org.models import Organization, Period, Person, Unit

M = TypeVar("M", bound=models.Model)
RelatedOnly = admin.RelatedOnlyFieldListFilter
SAVED = "_headway_admin_saved"  # request attribute: the whole change form was saved
CREATED = "_headway_admin_created"  # request attribute: rows created while validating


# -- tenancy ----------------------------------------------------------------------------------
def administered_organization_ids(request: HttpRequest) -> QuerySet[Any, Any]:
    """The organizations where the signed-in user is an active admin person (a subquery)."""
    user_id: Any = request.user.pk
    return Person.objects.filter(user_id=user_id, active=True, role=Person.Role.ADMIN).values(
        "organization_id"
    )


def sees_all_tenants(request: HttpRequest) -> bool:
    return bool(request.user.is_superuser)


def scoped_choices(model: type[models.Model], request: HttpRequest) -> QuerySet[Any] | None:
    """The rows of `model` a staff user may pick in a form; None when no scoping applies."""
    if sees_all_tenants(request):
        return None
    if model is Organization:
        return Organization.objects.filter(pk__in=administered_organization_ids(request))
    if any(field.name == "organization" for field in model._meta.concrete_fields):
        return model._default_manager.filter(
            organization_id__in=administered_organization_ids(request)
        )
    return None


# -- forms that save through services ---------------------------------------------------------
class ServiceForm(forms.ModelForm):
    """A model form whose validation ends with the service call (see the module docstring)."""

    writer: ClassVar[ServiceWriter]
    request: ClassVar[HttpRequest]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        key = self.fields.get("key")
        if key is not None and self.instance._state.adding:
            key.required = False
            key.help_text = "Leave empty to derive it from the name or title."

    def _get_validation_exclusions(self) -> set[str]:
        exclude: set[str] = super()._get_validation_exclusions()  # type: ignore[misc]
        if self.instance._state.adding and not getattr(self, "cleaned_data", {}).get("key"):
            exclude.add("key")  # the service derives a free key
        return exclude | self.writer.unvalidated_fields

    def _inline_parent(self) -> models.Model | None:
        for field in self.fields.values():
            if isinstance(field, InlineForeignKeyField):
                return field.parent_instance
        return None

    def _post_clean(self) -> None:
        exclude = self._get_validation_exclusions()
        exclude |= {n for n, f in self.fields.items() if isinstance(f, InlineForeignKeyField)}
        try:
            self.instance = construct_instance(
                self, self.instance, self._meta.fields, self._meta.exclude
            )
        except ValidationError as error:
            self._attach(error)
            return
        try:
            # Field checks and uniqueness here; every other rule is the service's to state.
            self.instance.full_clean(exclude=exclude, validate_constraints=False)
            validate_unique_constraints(self.instance, exclude)
        except ValidationError as error:
            self._attach(error)
        if not self.errors and self._should_write():
            self._write()

    def _should_write(self) -> bool:
        if self.cleaned_data.get("DELETE"):
            return False  # deleted through the service when the formset is saved
        parent = self._inline_parent()
        if parent is not None and parent.pk is None:
            return False  # the parent was refused: the page comes back with its errors
        return self.instance._state.adding or bool(self.changed_data)

    def _write(self) -> None:
        opts = self.instance._meta
        names = {f.name for f in opts.concrete_fields if not f.primary_key}
        names |= {f.name for f in opts.many_to_many}
        data = {name: value for name, value in self.cleaned_data.items() if name in names}
        adding = self.instance._state.adding
        try:
            if adding:
                saved = self.writer.write_create(self.request, data)
            else:
                changes = {name: data[name] for name in self.changed_data if name in data}
                saved = self.writer.write_update(self.request, self.instance.pk, changes)
        except ValidationError as error:
            self._attach(error)
            return
        # The admin and its inline formsets hold this very instance: make it the saved row.
        self.instance.__dict__.update(saved.__dict__)
        if adding:
            getattr(self.request, CREATED, []).append(self.instance)

    def _attach(self, error: ValidationError) -> None:
        """A service's errors on their fields; those about fields not on the form go on top."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            if name in self.fields:
                self.add_error(name, errors)
            elif name == NON_FIELD_ERRORS:
                self.add_error(None, errors)
            else:
                label = name.replace("_", " ").capitalize()
                self.add_error(None, [f"{label}: {m}" for e in errors for m in e.messages])

    def _save_m2m(self) -> None:
        """The service saved the many-to-many fields already."""


def validate_unique_constraints(instance: models.Model, exclude: set[str]) -> None:
    """The model's unique constraints, so a clash is a form error rather than an IntegrityError."""
    errors: list[ValidationError] = []
    for constraint in instance._meta.constraints:
        if isinstance(constraint, UniqueConstraint):
            try:
                constraint.validate(type(instance), instance, exclude=exclude)  # type: ignore[attr-defined]
            except ValidationError as error:
                errors.append(error)
    if errors:
        raise ValidationError(errors)


def audited_delete(obj: models.Model, actor: Person | None) -> None:
    """Delete a row that has no delete service, keeping its last state in the audit trail."""
    with transaction.atomic():
        audit_record(
            instance=obj, action=AuditEvent.Action.DELETE, actor=actor, before=snapshot(obj)
        )
        obj.delete()


def bind_form(form: type[forms.ModelForm], writer: ServiceWriter, request: HttpRequest) -> Any:
    """The form class, told which admin writes its rows and for which request."""
    if not issubclass(form, ServiceForm):
        return form
    return type(form.__name__, (form,), {"writer": writer, "request": request})


# -- the shared admin -------------------------------------------------------------------------
class TenantScoped(BaseModelAdmin):
    """Rows and choices limited to the organizations the staff user administers."""

    tenant_lookup: ClassVar[str] = "organization_id"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if sees_all_tenants(request):
            return queryset
        return queryset.filter(
            **{f"{self.tenant_lookup}__in": administered_organization_ids(request)}
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs:
            choices = scoped_choices(db_field.remote_field.model, request)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs:
            choices = scoped_choices(db_field.remote_field.model, request)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> Any:
        """Another tenant's id answers exactly as an id that does not exist: 404."""
        raise Http404(f"No {opts.verbose_name} with id {object_id!r}.")


class ServiceWriter(TenantScoped):
    """Writes rows through services as the signed-in user.

    Subclasses implement `create`, `update` and (when deleting is allowed) `delete`.
    """

    form = ServiceForm
    # Fields left out of the form's own checks because the service owns that rule.
    unvalidated_fields: ClassVar[set[str]] = set()

    # Subclasses: the service calls.
    def create(self, actor: Person | None, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def update(self, actor: Person | None, obj: Any, changes: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def delete(self, actor: Person | None, obj: Any) -> None:
        raise NotImplementedError

    def organization_of(self, data: dict[str, Any]) -> Organization | None:
        """The organization a new row will belong to, read from the form's values."""
        organization = data.get("organization")
        return organization if isinstance(organization, Organization) else None

    # The write paths, as the signed-in user.
    def write_create(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        return self.as_user(request, self.organization_of(data), lambda a: self.create(a, data))

    def write_update(self, request: HttpRequest, pk: Any, changes: dict[str, Any]) -> models.Model:
        # A fresh copy: the service snapshots the row as stored, for the audit's [before, after].
        obj = self.model._default_manager.get(pk=pk)
        return self.as_user(
            request, getattr(obj, "organization", None), lambda a: self.update(a, obj, changes)
        )

    def write_delete(self, request: HttpRequest, obj: models.Model) -> None:
        # A fresh copy: the form may have changed `obj` in memory before it was marked deleted.
        stored = self.model._default_manager.get(pk=obj.pk)
        self.as_user(
            request, getattr(stored, "organization", None), lambda a: self.delete(a, stored)
        )

    def as_user(
        self,
        request: HttpRequest,
        organization: Organization | None,
        write: Callable[[Person | None], M | None],
    ) -> Any:
        """Run a write with the user's person in that organization as the actor. A user with no
        person there (a superuser) is named in the audit trail by their username instead."""
        actor = access.person_for_user(request.user, organization) if organization else None
        if actor is not None:
            return write(actor)
        since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        result = write(None)
        unattributed = AuditEvent.objects.filter(
            pk__gt=since, actor__isnull=True, actor_label="system", object_type=self.opts.model_name
        )
        if organization is not None:
            unattributed = unattributed.filter(organization=organization)
        unattributed.update(actor_label=request.user.get_username())
        return result


class HeadwayAdmin(ServiceWriter, admin.ModelAdmin):
    """A model admin whose saves and deletes go through the services."""

    # Read-only once the row exists (moving a row to another organization is never allowed).
    change_readonly_fields: ClassVar[tuple[str, ...]] = ("organization",)
    # Left off the add form (the service fills them in).
    add_exclude: ClassVar[tuple[str, ...]] = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is None:
            return fields
        return fields + tuple(f for f in self.change_readonly_fields if f not in fields)

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = tuple(super().get_exclude(request, obj) or ())
        if obj is None:
            exclude += self.add_exclude
        return exclude or None

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        return bind_form(super().get_form(request, obj, change=change, **kwargs), self, request)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        setattr(request, CREATED, [])
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if not getattr(request, SAVED, False):
                # The page comes back with errors: undo what the valid parts already wrote.
                transaction.set_rollback(True)
                for instance in getattr(request, CREATED):
                    instance.pk = None
                    instance._state.adding = True
        return response

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: Any) -> None:
        """The form saved the row through its service while it validated."""
        if obj.pk is None:  # pragma: no cover - a form that is not a ServiceForm
            raise TypeError(f"{type(self).__name__} needs a ServiceForm to save {obj!r}.")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: Any) -> None:
        writer = getattr(formset.form, "writer", None)
        if writer is None:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)  # saved rows were written while validating; collect deletes
        for obj in formset.deleted_objects:
            writer.write_delete(request, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: Any) -> None:
        super().save_related(request, form, formsets, change)
        setattr(request, SAVED, True)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.write_delete(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self.write_delete(request, obj)


class HeadwayInline(ServiceWriter, admin.TabularInline):
    """An inline whose rows are written and deleted through the services."""

    extra = 0

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = bind_form(formset.form, self, request)
        return formset


# -- organizations, units, people, periods ----------------------------------------------------
@admin.register(Organization)
class OrganizationAdmin(HeadwayAdmin):
    list_display = ("name", "slug", "fiscal_year_start_month", "created_at")
    search_fields = ("name", "slug")
    tenant_lookup = "pk"
    change_readonly_fields = ()
    add_exclude = ("settings",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return sees_all_tenants(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_all_tenants(request)

    def create(self, actor: Person | None, data: dict[str, Any]) -> Organization:
        return services.organization_create(**data)

    def update(
        self, actor: Person | None, obj: Organization, changes: dict[str, Any]
    ) -> Organization:
        # No organization_update service yet: the form has checked every field already.
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.full_clean()
        obj.save()
        return obj

    def delete(self, actor: Person | None, obj: Organization) -> None:
        obj.delete()


@admin.register(Unit)
class UnitAdmin(HeadwayAdmin):
    list_display = ("name", "organization", "kind", "parent", "head", "path")
    list_filter = (("organization", RelatedOnly), "kind")
    list_select_related = ("organization", "parent", "head")
    search_fields = ("name",)
    autocomplete_fields = ("organization", "parent", "head")
    readonly_fields = ("path",)

    def create(self, actor: Person | None, data: dict[str, Any]) -> Unit:
        return services.unit_create(**data)

    def update(self, actor: Person | None, obj: Unit, changes: dict[str, Any]) -> Unit:
        return services.unit_update(unit=obj, **changes)

    def delete(self, actor: Person | None, obj: Unit) -> None:
        obj.delete()


@admin.register(Person)
class PersonAdmin(HeadwayAdmin):
    list_display = ("name", "email", "organization", "unit", "manager", "role", "active")
    list_filter = (("organization", RelatedOnly), "role", "active")
    list_select_related = ("organization", "unit", "manager")
    search_fields = ("name", "email", "job_title")
    autocomplete_fields = ("organization", "unit", "manager")
    raw_id_fields = ("user",)
    readonly_fields = ("manager_path",)

    def create(self, actor: Person | None, data: dict[str, Any]) -> Person:
        return services.person_create(**data)

    def update(self, actor: Person | None, obj: Person, changes: dict[str, Any]) -> Person:
        return services.person_update(person=obj, **changes)

    def delete(self, actor: Person | None, obj: Person) -> None:
        obj.delete()


@admin.register(Period)
class PeriodAdmin(HeadwayAdmin):
    list_display = ("name", "organization", "kind", "start", "end", "state")
    list_filter = (("organization", RelatedOnly), "kind", "state")
    list_select_related = ("organization",)
    search_fields = ("name",)
    autocomplete_fields = ("organization", "parent")
    date_hierarchy = "start"

    def create(self, actor: Person | None, data: dict[str, Any]) -> Period:
        return services.period_create(**data)

    def update(self, actor: Person | None, obj: Period, changes: dict[str, Any]) -> Period:
        return services.period_update(period=obj, **changes)

    def delete(self, actor: Person | None, obj: Period) -> None:
        obj.delete()
