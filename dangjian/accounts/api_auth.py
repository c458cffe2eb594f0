"""API authentication: personal bearer tokens, or the browser session with CSRF."""

from ninja.security import HttpBearer, SessionAuth

from . import services


class TokenAuth(HttpBearer):
    """``Authorization: Bearer dj_<prefix>_<secret>``; the token's scopes narrow what the user may do."""

    def authenticate(self, request, token):
        api_token = services.token_authenticate(token)
        if api_token is None:
            return None
        user = api_token.user
        user._api_token_scopes = frozenset(api_token.scopes)
        request.user = user
        request.api_token = api_token
        return user


class SessionAuthCSRF(SessionAuth):
    """The logged-in browser session; unsafe methods need the CSRF token."""

    def __init__(self):
        super().__init__(csrf=True)
