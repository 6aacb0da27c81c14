"""What the admin's modules share."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to those who may view it; added, changed or deleted by nobody (records the site keeps itself)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
