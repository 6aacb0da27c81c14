"""Fill an admin change form as a browser would: every field's current value, inline formsets included."""


def change_form_data(response, **changes):
    """POST data for the change form in `response`, with `changes` applied to the main form."""
    context = response.context
    data = {}
    forms = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
        forms += list(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None:
                continue
            key = form.add_prefix(name)
            if isinstance(value, list | tuple):
                data[key] = [getattr(item, "pk", item) for item in value]
            else:
                data[key] = getattr(value, "pk", value)
    data.update(changes)
    return data
