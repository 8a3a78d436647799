"""Registry tags: vMAJOR.MINOR.PATCH, ordered numerically, bumped by patch or minor."""

from __future__ import annotations

import pytest

from domain.models.semver import Version, normalise_tag


def test_parse_print_and_the_optional_v() -> None:
    assert Version.parse("v1.2.3") == Version(1, 2, 3) == Version.parse(" 1.2.3 ")
    assert str(Version(1, 2, 3)) == "v1.2.3" and normalise_tag("0.10.0") == "v0.10.0"


@pytest.mark.parametrize("text", ["v1.2", "1.2.3.4", "v1.2.3-rc1", "v01.2.3", "vx.1.2", "", "V1.2.3", "v1.2.3+b"])
def test_anything_but_three_plain_numbers_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a version like v1.2.3"):
        Version.parse(text)


def test_negative_parts_are_refused() -> None:
    with pytest.raises(ValueError, match="patch must be a whole number"):
        Version(1, 0, -1)


def test_order_is_numeric_not_textual() -> None:
    tags = ["v1.10.0", "v1.9.3", "v1.9.10", "v2.0.0", "v0.99.99"]
    assert [str(v) for v in sorted(map(Version.parse, tags))] == ["v0.99.99", "v1.9.3", "v1.9.10", "v1.10.0", "v2.0.0"]
    assert Version.parse("v1.9.10") > Version.parse("v1.9.3")


def test_bumps() -> None:
    v = Version(1, 4, 7)
    assert (str(v.bump_patch()), str(v.bump_minor()), str(v.bump_major())) == ("v1.4.8", "v1.5.0", "v2.0.0")
