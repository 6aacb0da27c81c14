"""What the admin's modules share."""

from django import forms
from django.contrib import admin
from django.db import models


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to those who may view it; added, changed or deleted by nobody (records the site keeps itself)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def one_line_ending(text):
    """Text with the register's line endings ("\n"): a browser sends a text box's lines ending "\r\n"."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if isinstance(text, str) else text


class RegisterText(forms.CharField):
    """A long text's box. Browsers send its lines ending "\r\n" (HTML's form encoding); compared so, every text a
    curator did not touch would count as changed, and be marked corrected, so that later imports skip it. Line
    endings alone are not a change; a changed text is stored with the register's "\n"."""

    def to_python(self, value):
        return one_line_ending(super().to_python(value))

    def has_changed(self, initial, data):
        return super().has_changed(one_line_ending(initial), data)


# For every admin (and inline) that edits register text: `formfield_overrides = REGISTER_TEXT`.
REGISTER_TEXT = {models.TextField: {"form_class": RegisterText}}


def keep_untouched_text(form, obj):
    """Put back, byte for byte, each long text the form did not change (the form writes every field it has)."""
    for name, field in form.fields.items():
        if isinstance(field, RegisterText) and name not in form.changed_data and name in form.initial:
            setattr(obj, name, form.initial[name])
