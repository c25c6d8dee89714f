"""Permission-matrix rules for sign-in: single sign-on (teams.oidc) and TOTP (teams.views_login).

The matrix runs with single sign-on unconfigured (the default), where both URLs answer 404 for
everyone; the flow itself is tested against a real provider in tests/security/test_sso.py.
"""

from .matrix import NOT_FOUND, OK, REDIRECT, Rule, expect, get_and_post

ACCOUNT_RULES: dict[str, Rule | list[Rule]] = {
    "sso-login": Rule(expected=expect(NOT_FOUND, anonymous=NOT_FOUND)),
    "sso-callback": Rule(expected=expect(NOT_FOUND, anonymous=NOT_FOUND)),
    # The code step exists only after a right password (else back to the login page).
    "login-totp": get_and_post(lambda w: {}, expect(REDIRECT, anonymous=REDIRECT)),
    # One's own two-factor settings: any logged-in user.
    "totp-setup": get_and_post(lambda w: {}, expect(OK)),
}
