"""Settings: mkdocs.yml read with MkDocs' own loader, every bad value named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import load_settings
from generator.errors import ConfigError


def write(folder: Path, text: str) -> Path:
    config = folder / "mkdocs.yml"
    config.write_text(text, encoding="utf-8")
    return config


def test_env_tag_works_as_in_mkdocs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PD_SITE_URL", raising=False)
    config = write(tmp_path, 'site_url: !ENV [PD_SITE_URL, "https://fallback.example.org/d"]\n')
    assert load_settings(config).site_url == "https://fallback.example.org/d/"
    monkeypatch.setenv("PD_SITE_URL", "https://digest.example.org/")
    assert load_settings(config).site_url == "https://digest.example.org/"
    unset = write(tmp_path, "site_url: !ENV PD_UNSET_VARIABLE\n")
    assert load_settings(unset).site_url == ""


def test_source_date_epoch_is_read_with_the_settings(tmp_path: Path) -> None:
    config = write(tmp_path, "site_name: x\n")
    assert load_settings(config, {"SOURCE_DATE_EPOCH": "86400"}).source_date_epoch == 86400
    assert load_settings(config, {}).source_date_epoch is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("extra:\n  paper_digest: hello\n", "extra.paper_digest: expected a mapping"),
        ("extra:\n  paper_digest: [1, 2]\n", "extra.paper_digest: expected a mapping"),
        ("extra:\n  paper_digest:\n    colour: red\n", "unknown setting 'colour'"),
        ("extra:\n  paper_digest:\n    feed_issues: 0\n", "feed_issues: must be at least 1"),
        (
            "extra:\n  paper_digest:\n    default_year: 99999\n",
            "default_year: must be at least 1900 and at most 9999",
        ),
        ("extra:\n  paper_digest:\n    editor: 5\n", "editor: expected text, got 5"),
        ("extra:\n  paper_digest:\n    email:\n      smtp_port: 70000\n", "smtp_port: must be"),
        ("extra:\n  paper_digest:\n    email:\n      smtp_security: tls\n", "smtp_security"),
        ("extra:\n  paper_digest:\n    email: nope\n", "email: expected a mapping"),
        ("extra:\n  paper_digest:\n    editor_email: x\n", "editor_email: expected an email"),
        ("extra:\n  paper_digest:\n    signup_url: javascript:alert(1)\n", "signup_url: expected"),
        ("site_url: 5\n", "site_url: expected text"),
        ("site_url: [a, b]\n", "site_url: expected text"),
        ("site_name: [\n", "not valid YAML"),
    ],
)
def test_a_bad_setting_names_itself(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_settings(write(tmp_path, text))
