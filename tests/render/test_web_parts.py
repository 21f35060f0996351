"""The web report's parts alone: record links, the page's policy, their settings."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from reports.app import load_config
from reports.errors import ConfigError
from reports.render.web import content_security_policy, record_url

URLS = {
    "mobility": {"case": "https://app.example/cases/{id}", "expense": "https://app.example/e/{id}"}
}
EXPENSE_LINKS = (("expense", "id"), ("case", "case_id"))


def test_a_record_links_to_its_own_page_else_its_cases() -> None:
    row = {"id": "17", "case_id": "ORD-1"}
    assert record_url(URLS, "mobility", EXPENSE_LINKS, row) == "https://app.example/e/17"
    urls = {"mobility": {"case": "https://app.example/cases/{id}"}}
    assert record_url(urls, "mobility", EXPENSE_LINKS, row) == "https://app.example/cases/ORD-1"
    assert record_url(urls, "plannr", EXPENSE_LINKS, row) is None  # no template for it
    assert record_url(urls, "mobility", EXPENSE_LINKS, {"id": "17", "case_id": None}) is None


def test_an_id_cannot_leave_its_place_in_the_address() -> None:
    row = {"id": '../../x?"><script>', "case_id": "javascript:alert(1)"}
    assert record_url(URLS, "mobility", EXPENSE_LINKS, row) == (
        "https://app.example/e/..%2F..%2Fx%3F%22%3E%3Cscript%3E"
    )
    urls = {"mobility": {"case": "https://app.example/cases/{id}"}}
    assert record_url(urls, "mobility", EXPENSE_LINKS, row) == (
        "https://app.example/cases/javascript%3Aalert%281%29"
    )


def test_the_policy_allows_only_the_pages_own_style_and_script() -> None:
    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    policy = content_security_policy("body{}", "run()")
    assert policy == (
        f"default-src 'none'; style-src 'sha256-{digest('body{}')}'; "
        f"script-src 'sha256-{digest('run()')}'; img-src data:; base-uri 'none'; "
        "form-action 'none'"
    )
    assert "script-src 'none'" in content_security_policy("body{}", None)


def settings(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reports.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_record_urls_are_read_as_one_address_or_one_a_kind(tmp_path: Path) -> None:
    config = load_config(
        settings(
            tmp_path,
            '[mobility]\nrecord_url = "https://relocate.example/cases/{id}"\n'
            '[willsuite.record_url]\ninvoice = "https://ws.example/invoices/{id}"\n'
            'case = "https://ws.example/cases/{id}"\n',
        ),
        environ={},
    )
    assert config.record_urls == {
        "mobility": {"case": "https://relocate.example/cases/{id}"},
        "willsuite": {
            "invoice": "https://ws.example/invoices/{id}",
            "case": "https://ws.example/cases/{id}",
        },
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[mobility]\nrecord_url = "javascript:alert({id})"\n',
            "[mobility] record_url: case = 'javascript:alert({id})' must be an http(s) address",
        ),
        (
            '[mobility.record_url]\ninvoce = "https://x.example/{id}"\n',
            "[mobility] record_url: unknown record kind 'invoce'; did you mean 'invoice'?",
        ),
        (
            '[mobility]\nrecord_url = "https://x.example/{case}"\n',
            "[mobility] record_url: case: 'https://x.example/{case}' must name one or more "
            "of {id}, not {case}",
        ),
    ],
)
def test_a_bad_record_url_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = settings(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert str(error.value) == f"{path}: {message}"


def test_approval_must_be_manual_or_auto(tmp_path: Path) -> None:
    path = settings(tmp_path, '[delivery]\napproval = "sometimes"\n')
    with pytest.raises(ConfigError, match=r"must be manual or auto, not 'sometimes'$"):
        load_config(path, environ={})
    path = settings(tmp_path, "[delivery]\nencrypt_statements = true\n")
    with pytest.raises(ConfigError, match=r"statements are to be encrypted: set "):
        load_config(path, environ={})
