import pytest
from django.test import RequestFactory

from yiwang.core.errors import ValidationFailed
from yiwang.core.pagination import MAX_PAGE_SIZE, paginate


def test_paginate_list_and_params():
    data = list(range(120))
    page = paginate({"page": "2", "page_size": "50"}, data, lambda x: x * 2)
    assert page == {"items": [x * 2 for x in range(50, 100)], "count": 120, "page": 2, "page_size": 50}
    assert paginate({"page": 5}, data, str)["items"] == []
    assert paginate(None, data, str)["page_size"] == 50


def test_paginate_from_request_and_keyword_form():
    request = RequestFactory().get("/x", {"page": "3", "page_size": "10"})
    assert paginate(request, list(range(25)), int)["items"] == [20, 21, 22, 23, 24]
    assert paginate(list(range(5)), page=1, page_size=2, serialize=int)["items"] == [0, 1]


@pytest.mark.parametrize(
    "params,field",
    [
        ({"page_size": MAX_PAGE_SIZE + 1}, "page_size"),
        ({"page": 0}, "page"),
        ({"page_size": 0}, "page_size"),
        ({"page": "x"}, "page"),
    ],
)
def test_paginate_rejects_out_of_range(params, field):
    with pytest.raises(ValidationFailed) as exc:
        paginate(params, [], str)
    assert exc.value.status == 422 and field in exc.value.fields


def test_the_shared_pager_markup():
    """templates/core/_pager.html, used by every list page with previous/next links: the links are
    rel="prev"/"next" (assistive technology and the site's keyboard shortcuts find them), the
    current page is aria-current="page", the rest of the query is escaped; a capped list shows
    no page total; a page that brings its links' queries (a seek page) has them used."""
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string

    from yiwang.core.pagination import CappedPaginator

    html = render_to_string(
        "core/_pager.html", {"page": Paginator(list(range(25)), 10).page(2), "query": "&all=1"}
    )
    assert '<a href="?page=1&amp;all=1" rel="prev">上一页</a>' in html
    assert '<a href="?page=3&amp;all=1" rel="next">下一页</a>' in html
    assert '<span aria-current="page">第 2 / 3 页</span>' in html
    assert render_to_string("core/_pager.html", {"page": Paginator([1], 10).page(1)}).strip() == ""
    capped = CappedPaginator(list(range(25)), 10, cap=12).page(2)
    html = render_to_string("core/_pager.html", {"page": capped})
    assert '<span aria-current="page">第 2 页</span>' in html and 'href="?page=3" rel="next"' in html

    class Seek:  # what core.pagination.SeekPage offers the template
        number, paginator, previous_query, next_query = (
            4,
            capped.paginator,
            "before=b&page=3",
            "after=a&page=5",
        )

        def has_other_pages(self):
            return True

        has_previous = has_next = has_other_pages

    html = render_to_string("core/_pager.html", {"page": Seek(), "query": "&status=x"})
    assert '<a href="?before=b&amp;page=3&amp;status=x" rel="prev">' in html
    assert '<a href="?after=a&amp;page=5&amp;status=x" rel="next">' in html


def test_the_pager_tag_keeps_the_filters_and_drops_the_position():
    """`{% pager page %}` (core/templatetags/pager.py): the links keep the request's other query
    parameters (escaped) and replace its page and cursors; a view's own `query` wins."""
    from django.core.paginator import Paginator
    from django.template import engines

    tmpl = engines["django"].from_string("{% load pager %}{% pager page %}|{% pager page query='&x=1' %}")
    page = Paginator(list(range(30)), 10).page(2)
    request = RequestFactory().get("/x", {"status": "待办 & more", "page": "2", "after": "abc", "topic": "t"})
    kept, given = tmpl.render({"page": page}, request).split("|")
    assert (
        '<a href="?page=1&amp;status=%E5%BE%85%E5%8A%9E+%26+more&amp;topic=t" rel="prev">上一页</a>' in kept
    )
    assert 'href="?page=3&amp;status=%E5%BE%85%E5%8A%9E+%26+more&amp;topic=t" rel="next"' in kept
    assert "after" not in kept and '<span aria-current="page">第 2 / 3 页</span>' in kept
    assert 'href="?page=3&x=1" rel="next"' in given  # a literal in the template is not escaped
    assert 'href="?page=3" rel="next"' in tmpl.render({"page": page}).split("|")[0]  # no request
