"""Image names, the latest rule and versions from release branches."""

from __future__ import annotations

import pytest

from shipyard.flow.builds import ImageName, StepFailed, refuse_latest, version_from_ref


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("staging/delivery:v1.0.2", ("", "staging/delivery", "v1.0.2", "")),
        ("127.0.0.1:5000/staging/delivery:v1", ("127.0.0.1:5000", "staging/delivery", "v1", "")),
        ("localhost/app", ("localhost", "app", "", "")),
        ("r.example/a/b@sha256:" + "a" * 64, ("r.example", "a/b", "", "sha256:" + "a" * 64)),
    ],
)
def test_image_names_parse(text: str, parts: tuple[str, str, str, str]) -> None:
    name = ImageName.parse(text)
    assert (name.registry, name.repository, name.tag, name.digest) == parts
    assert str(name) == text


def test_qualifying_keeps_a_registry_that_is_already_there() -> None:
    assert str(ImageName.parse("staging/d:v1").qualified("r:5")) == "r:5/staging/d:v1"
    assert str(ImageName.parse("x.io/d:v1").qualified("r:5")) == "x.io/d:v1"
    assert ImageName.parse("staging/delivery:v1").service == "delivery"


@pytest.mark.parametrize("bad", ["Staging/App:v1", "app:bad tag", "app@sha256:zz", ":v1", "a//b:v"])
def test_bad_names_are_refused(bad: str) -> None:
    with pytest.raises(StepFailed, match="not a valid image name"):
        ImageName.parse(bad)


@pytest.mark.parametrize("name", ["app:latest", "app:Latest", "app"])
def test_latest_and_untagged_are_refused(name: str) -> None:
    with pytest.raises(StepFailed, match="latest"):
        refuse_latest(ImageName.parse(name))


def test_a_digest_without_tag_is_fine() -> None:
    refuse_latest(ImageName.parse("app@sha256:" + "b" * 64))


@pytest.mark.parametrize(
    ("ref", "version"),
    [
        ("refs/heads/release/delivery/v1.0.2", "v1.0.2"),
        ("release/package/1.2.0-rc.1", "1.2.0-rc.1"),
        ("refs/heads/feature/delivery/x", None),
        ("refs/heads/release/delivery/v1.0", None),
    ],
)
def test_versions_come_from_release_branches(ref: str, version: str | None) -> None:
    assert version_from_ref(ref) == version
