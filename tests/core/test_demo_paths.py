"""The demo's places (folders, keyring service) are apart from a real account's."""

from __future__ import annotations

from concierge.paths import DEMO_KEYRING_SERVICE, KEYRING_SERVICE, resolve_paths


def test_demo_folders_share_nothing_with_the_real_ones(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("CONCIERGE_HOME", raising=False)
    for root in (tmp_path, None):
        real, demo = resolve_paths(root), resolve_paths(root, demo=True)
        for real_folder, demo_folder in zip(
                (real.data, real.config, real.logs, real.cache),
                (demo.data, demo.config, demo.logs, demo.cache), strict=True):
            assert not demo_folder.is_relative_to(real_folder)
            assert not real_folder.is_relative_to(demo_folder)


def test_demo_has_its_own_keyring_service(tmp_path) -> None:
    assert resolve_paths(tmp_path).keyring_service == KEYRING_SERVICE
    assert resolve_paths(tmp_path, demo=True).keyring_service == DEMO_KEYRING_SERVICE


def test_a_bundle_says_its_demo_needs_the_office(tmp_path, monkeypatch) -> None:
    import sys

    import pytest

    from concierge.demo_office import DemoOfficeUnavailable, start_demo_office

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with pytest.raises(DemoOfficeUnavailable) as caught:
        start_demo_office(tmp_path / "office.sqlite3", 9)
    assert caught.value.code == "demo_in_bundle"
    assert "field-concierge[office]" in str(caught.value)
