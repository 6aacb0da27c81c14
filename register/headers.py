"""The Permissions-Policy header: browser features (camera, location, payment...) the site never uses are refused.

Django sets the other security headers itself (HSTS, nosniff, Referrer-Policy, Cross-Origin-Opener-Policy,
X-Frame-Options, Content-Security-Policy); it has no setting for this one, hence this small middleware.
"""

from django.conf import settings


def permissions_policy(features):
    """`{"camera": [], "fullscreen": ["self"]}` -> `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in features.items())


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
