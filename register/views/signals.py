"""The signals page: how many of each kind the register holds (dismissed ones included), and their definitions."""

from django.shortcuts import render

from register import signals
from register.signals import display


def signal_list(request):
    context = {"categories": display.counts_by_kind(), "kinds": signals.KINDS}
    return render(request, "register/signals.html", context)
