import pytest

from yiwang.catalog import selectors
from yiwang.catalog.models import DataElement
from yiwang.core.masking import mask


@pytest.mark.django_db
def test_every_sensitive_element_is_masked_when_shown():
    sensitive = list(DataElement.objects.filter(sensitive=True).values_list("id", flat=True))
    assert sensitive
    masks = selectors.element_masks(sensitive)
    assert set(masks) == set(sensitive)
    assert mask(masks["applicant.email"], "zhang.wei@example.com") == "z********@example.com"
    assert mask("hidden", "secret") == "******"
