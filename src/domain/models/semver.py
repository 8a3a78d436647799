"""Registry tags: semantic versions written ``vMAJOR.MINOR.PATCH`` (``v1.0.0``).

A tag names one set of weights for good (the registry never reuses one), so only the plain
three-number form is accepted: no pre-release or build suffix whose ordering people read
differently. Tags order numerically (``v1.10.0`` after ``v1.9.0``).
"""

from __future__ import annotations

import re

import attrs

_TAG = re.compile(r"^v?(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$")


def _part(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"version {attribute.name} must be a whole number >= 0, got {value!r}")


@attrs.frozen(order=True)
class Version:
    major: int = attrs.field(validator=_part)
    minor: int = attrs.field(validator=_part)
    patch: int = attrs.field(validator=_part)

    @classmethod
    def parse(cls, text: str) -> Version:
        """``v1.2.3`` (the ``v`` may be left out); ValueError naming the text otherwise."""
        match = _TAG.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"tag {text!r} is not a version like v1.2.3 (three whole numbers, no suffix)")
        return cls(*(int(part) for part in match.groups()))

    def bump_patch(self) -> Version:
        return Version(self.major, self.minor, self.patch + 1)

    def bump_minor(self) -> Version:
        return Version(self.major, self.minor + 1, 0)

    def bump_major(self) -> Version:
        return Version(self.major + 1, 0, 0)

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}.{self.patch}"


FIRST = Version(1, 0, 0)


def normalise_tag(text: str) -> str:
    """The canonical spelling of a tag (``1.2.3`` -> ``v1.2.3``); ValueError when it is not one."""
    return str(Version.parse(text))
