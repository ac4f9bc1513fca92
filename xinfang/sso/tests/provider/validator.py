"""Claims as the OA system would send them: department and roles, read from people.json on every request,
so a test can move a person to another department between two logins."""

import json

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


def people() -> dict:
    return json.loads((settings.STATE_DIR / "people.json").read_text(encoding="utf-8"))


class OAClaimsValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "department": "profile",
        "roles": "profile",
    }

    def get_additional_claims(self, request):
        person = people().get(request.user.username, {})
        return dict(person.get("claims", {}))
