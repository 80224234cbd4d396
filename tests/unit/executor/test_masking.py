"""Secrets are masked in every form they commonly leak in."""

from __future__ import annotations

import base64

import pytest

from shipyard.executor.masking import MASK, SecretMasker

SECRET = "s3cr3t-Value!42"


def test_the_raw_value_is_masked() -> None:
    assert SecretMasker([SECRET]).mask(f"token={SECRET};") == f"token={MASK};"


@pytest.mark.parametrize("prefix", [b"", b"a", b"ab", b"abc", b"user:"])
@pytest.mark.parametrize("suffix", [b"", b"x", b"xy", b"\n..."])
def test_base64_is_masked_wherever_it_sits_in_a_blob(prefix: bytes, suffix: bytes) -> None:
    blob = base64.b64encode(prefix + SECRET.encode() + suffix).decode()
    masked = SecretMasker([SECRET]).mask(blob)
    assert MASK in masked
    assert base64.b64encode(SECRET.encode()).decode()[2:-3] not in masked


def test_url_safe_base64_is_masked() -> None:
    secret = "???>>>???>>>"  # encodes to characters that differ in the URL-safe alphabet
    encoded = base64.urlsafe_b64encode(secret.encode()).decode()
    assert SecretMasker([secret]).mask(encoded) == MASK


def test_each_line_of_a_multi_line_secret_is_masked() -> None:
    key = "-----BEGIN KEY-----\nMIIabcdef\n-----END KEY-----"
    masker = SecretMasker([key])
    for line in key.splitlines():
        assert masker.mask(f"> {line}") == f"> {MASK}"


def test_short_fragments_do_not_blank_the_log() -> None:
    masker = SecretMasker(["{\n  long-secret-value\n}"])
    assert masker.mask("{ a }") == "{ a }"


def test_added_secrets_mask_from_then_on() -> None:
    masker = SecretMasker()
    assert masker.mask("abc-123-xyz") == "abc-123-xyz"
    masker.add("abc-123-xyz")
    assert masker.mask("abc-123-xyz") == MASK
    assert masker.contains_secret("..abc-123-xyz..")
