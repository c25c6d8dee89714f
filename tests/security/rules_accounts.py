"""Permission-matrix rules for sign-in: single sign-on (teams.oidc) and TOTP (teams.views_login).

The matrix runs with single sign-on unconfigured (the default), where both URLs answer 404 for
everyone; the flow itself is tested against a real provider in tests/security/test_sso.py.
"""

from .matrix import NOT_FOUND, OK, REDIRECT, Rule, expect, get_and_post, read_only

ACCOUNT_RULES: dict[str, Rule | list[Rule]] = {
    "sso-login": read_only(lambda w: {}, expect(NOT_FOUND, anonymous=NOT_FOUND)),
    "sso-callback": read_only(lambda w: {}, expect(NOT_FOUND, anonymous=NOT_FOUND)),
    # The code step exists only after a right password (else back to the login page), also on POST.
    "login-totp": read_only(lambda w: {}, expect(REDIRECT, anonymous=REDIRECT)),
    # One's own two-factor settings: any logged-in user; an empty POST re-shows the form.
    "totp-setup": get_and_post(lambda w: {}, expect(OK)),
}
