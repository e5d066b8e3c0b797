"""`{% pager page %}`: the shared previous/next links (templates/core/_pager.html) for a list page,
keeping the rest of the request's query string (its filters) and dropping the page's own position
(`page`, and the cursors `after`/`before`). A view that knows better passes `query` itself
("&status=accepted": the workbench queue, 我的办件)."""

from __future__ import annotations

from django import template
from django.http import QueryDict

register = template.Library()

POSITION = ("page", "after", "before")


@register.inclusion_tag("core/_pager.html", takes_context=True)
def pager(context, page, query: str | None = None) -> dict:
    if query is None:
        request = context.get("request")
        params = request.GET.copy() if request is not None else QueryDict(mutable=True)
        for name in POSITION:
            params.pop(name, None)
        query = f"&{params.urlencode()}" if params else ""
    return {"page": page, "query": query}
