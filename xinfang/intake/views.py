"""Registration pages: the form, the earlier-cases hint and the printable receipt (受理凭证)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.cases.access import cases_visible_to
from xinfang.cases.models import Case
from xinfang.cases.selectors import earlier_cases_of
from xinfang.intake.forms import CaseRegisterForm, PetitionerFormSet
from xinfang.intake.services import ComplainedInput, PetitionerInput, case_register, registration_units
from xinfang.orgs.access import current_unit


def _registration_unit(request):
    units = registration_units(request.user)
    if not units:
        raise PermissionDenied(_("您没有登记信访件的权限。"))
    current = current_unit(request)
    return next((u for u in units if current and u.pk == current.pk), units[0])


def _petitioner_inputs(formset) -> list[PetitionerInput]:
    people = []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or not data.get("name"):
            continue
        id_type = data.get("id_type")
        people.append(
            PetitionerInput(
                name=data["name"],
                gender=data.get("gender") or "",
                id_type_code=id_type.code if id_type else "resident",
                id_number=data.get("id_number") or "",
                phone=data.get("phone") or "",
                address=data.get("address") or "",
                is_primary=index == 0,
                is_representative=bool(data.get("is_representative")),
            )
        )
    return people


def _repeat_target(request, number: str) -> Case | None:
    number = (number or "").strip()
    if not number:
        return None
    case = cases_visible_to(request.user).filter(number=number).first()
    if case is None:
        raise ValidationError({"repeat_of": [_("找不到编号为%(n)s的信访件，或您无权查看。") % {"n": number}]})
    return case


def _register_from_forms(request, form, formset, unit_id: int):
    units = {u.pk: u for u in registration_units(request.user)}
    unit = units.get(unit_id)
    if unit is None:
        raise PermissionDenied(_("您无权在该单位登记信访件。"))
    data = form.cleaned_data
    complained = [ComplainedInput(name=data["complained_name"], position=data["complained_position"])]
    return case_register(
        actor=request.user,
        unit=unit,
        channel_code=data["channel"].code,
        purpose_code=data["purpose"].code,
        title=data["title"],
        content=data["content"],
        demands=data["demands"],
        received_on=data["received_on"],
        category_id=data["category"].pk if data["category"] else None,
        issue_address=data["issue_address"],
        headcount=data["headcount"],
        is_anonymous=data["is_anonymous"],
        is_urgent=data["is_urgent"],
        is_skip_level=data["is_skip_level"],
        is_litigation=data["is_litigation"],
        repeat_of=_repeat_target(request, data["repeat_of"]),
        petitioners=_petitioner_inputs(formset),
        complained=complained,
        attachments=data["attachments"],
        submission_key=data["submission_key"] or None,
    )


def _attach_service_errors(form, formset, exc: ValidationError) -> None:
    for key, messages_ in exc.message_dict.items():
        parts = key.split(".")
        if parts[0] == "petitioners" and len(parts) == 3 and int(parts[1]) < len(formset.forms):
            target = formset.forms[int(parts[1])]
            field = parts[2] if parts[2] in target.fields else None
            for message in messages_:
                target.add_error(field, message)
        else:
            field = key if key in form.fields else None
            for message in messages_:
                form.add_error(field, message)


@login_required
@require_http_methods(["GET", "POST"])
def case_register_view(request):
    unit = _registration_unit(request)
    if request.method == "POST":
        form = CaseRegisterForm(request.POST, request.FILES)
        formset = PetitionerFormSet(request.POST, prefix="p")
        if form.is_valid() and formset.is_valid():
            try:
                case = _register_from_forms(request, form, formset, form.cleaned_data["unit"])
            except ValidationError as exc:
                _attach_service_errors(form, formset, exc)
            else:
                messages.success(request, _("登记成功，信访件编号 %(n)s。") % {"n": case.number})
                return redirect("cases:receipt", number=case.number)
        status = 400
    else:
        form = CaseRegisterForm(initial={"unit": unit.pk})
        formset = PetitionerFormSet(prefix="p")
        status = 200
    return render(
        request, "intake/register.html", {"form": form, "formset": formset, "unit": unit}, status=status
    )


@login_required
@require_GET
def earlier_cases_view(request):
    """htmx partial: earlier cases of the petitioner being typed in, so the registrar can mark a repeat."""
    _registration_unit(request)
    found = earlier_cases_of(
        user=request.user,
        id_number=request.GET.get("p-0-id_number", "")[:30],
        phone=request.GET.get("p-0-phone", "")[:20],
        name=request.GET.get("p-0-name", "")[:40],
        address=request.GET.get("p-0-address", "")[:200],
    )
    return render(request, "intake/_earlier_cases.html", {"found": found})
