import pytest

from yiwang.core.errors import ValidationFailed
from yiwang.core.text import as_int, is_digits, is_safe_link, reject_markup


def test_digits_are_ascii_only():
    assert (
        is_digits("123")
        and not is_digits("²")
        and not is_digits("①")
        and not is_digits("")
        and not is_digits(None)
    )
    assert as_int("42") == 42 and as_int("-3") == -3 and as_int("²", -1) == -1 and as_int("9" * 19) is None


def test_links_and_markup():
    assert is_safe_link("https://a.example/x.pdf") and is_safe_link("/static/x.pdf")
    assert not is_safe_link("javascript:alert(1)") and not is_safe_link("//evil.example")
    with pytest.raises(ValidationFailed):
        reject_markup(field="f", value="<script>x</script>")
