"""Login throttling for the admin (django-axes, configured in settings): whose attempt it is, and what a
locked-out attempt is told.

`client_ip` is the address failed sign-ins are counted against. Behind a load balancer every request arrives
from the balancer's own address, so the address that counts is the one the trusted proxies appended to
X-Forwarded-For. Only the last DJANGO_TRUSTED_PROXY_COUNT entries are believed: anything further left was
written by the client and could be forged to dodge the lock-out.

`lockout_response` is the page (429) a locked-out sign-in attempt gets instead of the login form.
"""

import ipaddress

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib import admin
from django.shortcuts import render


def _address(text):
    try:
        return str(ipaddress.ip_address((text or "").strip()))
    except ValueError:
        return None


def client_ip(request):
    """The client's IP address, or None when there is none to be had (requests made inside the process)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies > 0 and len(forwarded) >= proxies:
        # A proxy writes a well-formed address; anything else means the header did not come from it.
        return _address(forwarded[-proxies]) or _address(request.META.get("REMOTE_ADDR"))
    return _address(request.META.get("REMOTE_ADDR"))


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out sign-in gets (429): what happened, for how long, and what to do."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in locked",
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "cooloff": f"{minutes} minute{'' if minutes == 1 else 's'}" if minutes else "",
    }
    return render(request, "admin/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
