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
