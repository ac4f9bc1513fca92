"""Signing in with an OA account: link or create the user, refresh their memberships, audit it all."""

import hashlib
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.common.services import audit_record
from xinfang.orgs.models import Membership, User
from xinfang.sso.models import SsoGrant, SsoIdentity
from xinfang.sso.selectors import MappedClaims, Seat, claim_values, seats_for_claims

USERNAME_OK = re.compile(r"^[\w.@+-]{1,150}$")


class Refusal:
    """Why a login was refused; each has its own Chinese page (views.REFUSALS)."""

    UNMAPPED = "unmapped"
    INACTIVE = "inactive"


@dataclass
class SignIn:
    """The outcome of `sso_sign_in`: a user to log in, or the reason there is none."""

    user: User | None
    refusal: str = ""
    mapped: MappedClaims | None = None
    added: list[Seat] = field(default_factory=list)
    removed: list[Seat] = field(default_factory=list)


@transaction.atomic
def sso_sign_in(*, issuer: str, claims: dict, request=None) -> SignIn:
    """Sign in the person the provider vouched for (claims already verified by the backend).

    1. Work out the seats their claims map to.
    2. Find the local user by the (issuer, sub) link only — never by e-mail or user name.
    3. No link yet: refuse when nothing maps; otherwise create the user and the link.
    4. A locally deactivated user is refused (and their memberships are left alone).
    5. Refresh name, e-mail and phone; add the mapped memberships, remove the ones SSO made earlier
       that no longer map, keep the ones made by hand.
    6. Refuse when the user is left with no membership at all; otherwise let them in.
    Every step that changes something writes an audit row; a refusal is audited too.
    """
    subject = str(claims["sub"])
    mapped = seats_for_claims(claims)
    identity = SsoIdentity.objects.select_for_update().filter(issuer=issuer, subject=subject).first()
    if identity is None:
        if not mapped.seats:
            return _refuse(None, Refusal.UNMAPPED, issuer, subject, mapped, request)
        identity = _identity_first_login(issuer=issuer, subject=subject, claims=claims, request=request)
    user = identity.user
    if not user.is_active:
        return _refuse(user, Refusal.INACTIVE, issuer, subject, mapped, request)
    changed = _profile_refresh(user, claims)
    added, removed = _memberships_sync(identity, mapped.seats, request)
    identity.last_login_at = timezone.now()
    identity.last_claims = mapped.as_detail()
    identity.save(update_fields=["last_login_at", "last_claims"])
    if not Membership.objects.filter(user=user, unit__is_active=True).exists():
        return _refuse(user, Refusal.UNMAPPED, issuer, subject, mapped, request)
    audit_record(
        user=user,
        action="sso_login",
        obj=identity,
        detail={**mapped.as_detail(), "profile_changed": changed, "added": added, "removed": removed},
        request=request,
    )
    return SignIn(user=user, mapped=mapped, added=added, removed=removed)


def _refuse(user, reason: str, issuer: str, subject: str, mapped: MappedClaims, request) -> SignIn:
    # The claim values go into the audit row so the administrator can see what to map.
    audit_record(
        user=user,
        action="sso_login_refused",
        object_type="sso.ssoidentity",
        object_id=subject[:40],
        detail={"reason": reason, "issuer": issuer, "subject": subject, **mapped.as_detail()},
        request=request,
    )
    return SignIn(user=None, refusal=reason, mapped=mapped)


def _first_claim(claims: dict, name: str) -> str:
    values = claim_values(claims, name)
    return values[0] if values else ""


def _username_for(issuer: str, subject: str, claims: dict) -> str:
    """The OA login name when it is free here, else a stable name derived from the link.

    A taken name is never reused: a local account of the same name may belong to someone else.
    """
    wanted = _first_claim(claims, settings.OIDC_CLAIM_USERNAME)
    if USERNAME_OK.match(wanted) and not User.objects.filter(username__iexact=wanted).exists():
        return wanted
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:12]
    return f"oa_{digest}"


def _identity_first_login(*, issuer: str, subject: str, claims: dict, request) -> SsoIdentity:
    """Create the user and the link; when the same person's login in another tab won the race, use theirs."""
    try:
        with transaction.atomic():
            return _identity_create(issuer=issuer, subject=subject, claims=claims, request=request)
    except IntegrityError:
        return SsoIdentity.objects.select_for_update().get(issuer=issuer, subject=subject)


def _identity_create(*, issuer: str, subject: str, claims: dict, request) -> SsoIdentity:
    user = User(username=_username_for(issuer, subject, claims))
    user.set_unusable_password()  # they sign in through the OA system only, until an admin sets one
    _profile_apply(user, claims)
    user.save()
    identity = SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    audit_record(
        user=user,
        action="sso_user_create",
        obj=user,
        detail={"issuer": issuer, "subject": subject, "username": user.username},
        request=request,
    )
    return identity


PROFILE_CLAIMS = (
    ("full_name", "OIDC_CLAIM_NAME", 30),
    ("email", "OIDC_CLAIM_EMAIL", 254),
    ("phone", "OIDC_CLAIM_PHONE", 20),
)


def _profile_apply(user: User, claims: dict) -> list[str]:
    """Copy name, e-mail and phone from the claims when present; the names of the changed fields."""
    changed = []
    for field_name, setting, limit in PROFILE_CLAIMS:
        value = _first_claim(claims, getattr(settings, setting))[:limit]
        if value and getattr(user, field_name) != value:
            setattr(user, field_name, value)
            changed.append(field_name)
    return changed


def _profile_refresh(user: User, claims: dict) -> list[str]:
    changed = _profile_apply(user, claims)
    if changed:
        user.save(update_fields=changed)
    return changed


def _memberships_sync(
    identity: SsoIdentity, seats: frozenset[Seat], request
) -> tuple[list[Seat], list[Seat]]:
    """Make the SSO-made memberships match `seats`; hand-made memberships are neither removed nor claimed."""
    user = identity.user
    granted = {
        (grant.membership.unit_id, grant.membership.role_id): grant.membership
        for grant in identity.grants.select_related("membership")
    }
    removed = sorted(seat for seat in granted if seat not in seats)
    for seat in removed:
        _membership_audit(user, granted[seat], "sso_membership_remove", request)
        granted[seat].delete()  # the grant goes with it (CASCADE)
    held = set(Membership.objects.filter(user=user).values_list("unit_id", "role_id"))
    added = sorted(seat for seat in seats if seat not in held)
    for unit_id, role_id in added:
        membership = Membership.objects.create(user=user, unit_id=unit_id, role_id=role_id)
        SsoGrant.objects.create(identity=identity, membership=membership)
        _membership_audit(user, membership, "sso_membership_add", request)
    return added, removed


def _membership_audit(user: User, membership: Membership, action: str, request) -> None:
    audit_record(
        user=user,
        action=action,
        obj=membership,
        detail={"user": user.username, "unit": membership.unit_id, "role": membership.role_id},
        request=request,
    )
