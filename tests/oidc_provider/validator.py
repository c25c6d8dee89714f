from oauth2_provider.oauth2_validators import OAuth2Validator


class EmailClaimsValidator(OAuth2Validator):
    """E-mail and its verification state as a region's provider sends them; the test users'
    last names say whether the address is verified ("verified" or anything else)."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "email": "email", "email_verified": "email"}

    def get_additional_claims(self, request):
        return {
            "email": request.user.email,
            "email_verified": request.user.last_name == "verified",
            # A provider may send roles or groups: the RP must ignore them.
            "roles": ["national_lead", "staff"],
        }
