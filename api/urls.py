from django.urls import URLPattern, URLResolver, path

from api import views
from api.rest import api


def _token_authenticated(patterns: list[URLPattern | URLResolver]) -> list:
    """The API's views authenticate by token, so the login redirect must not stand in front."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _token_authenticated(pattern.url_patterns)
        else:
            pattern.callback.login_required = False  # type: ignore[attr-defined]
    return patterns


rest_patterns, rest_app, rest_namespace = api.urls
_token_authenticated(rest_patterns)

urlpatterns = [
    path("api/tokens/", views.tokens, name="api-tokens"),
    path("api/tokens/<int:pk>/revoke", views.token_revoke_view, name="api-token-revoke"),
    path("api/v1/", (rest_patterns, rest_app, rest_namespace)),
    path("mcp", views.mcp, name="mcp"),
]
