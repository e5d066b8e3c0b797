"""Reading the rating forms of the pages (device, SMS link, hotline entry)."""

from __future__ import annotations

from .models import BAD_TAGS, DIMENSIONS, Level


def rating_fields(post, *, kind: str) -> dict:
    dims = {k: post.get(f"dim_{k}") for k in DIMENSIONS[kind] if post.get(f"dim_{k}")}
    return {
        "level": post.get("level", ""),
        "dimensions": dims,
        "tags": [t for t in post.getlist("tags") if t],
        "comment": post.get("comment", ""),
    }


def form_context(kind: str) -> dict:
    return {
        "levels": Level.choices,
        "dimensions": list(DIMENSIONS[kind].items()),
        "bad_tags": list(BAD_TAGS.items()),
    }
