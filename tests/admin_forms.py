"""Posting an admin change form the way a browser would: every field as the page shows it."""


def _form_data(form) -> dict:
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        key = form.add_prefix(name)
        if isinstance(value, (list, tuple)):
            data[key] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        else:
            data[key] = str(value)
    return data


def admin_post(client, url: str, **changes):
    """GET an admin add or change page, then POST it back with `changes` applied."""
    context = client.get(url).context
    data = _form_data(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    data.update({k: str(v) for k, v in changes.items()})
    return client.post(url, data)
