"""One masking function for every credential a URL or a driver's message can carry."""

from __future__ import annotations

import pytest

from domain.security.redaction import is_secret_name, mask_url, mask_urls_in, scrub


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql+psycopg://trader:hunter2@db:5432/book", "postgresql+psycopg://trader:***@db:5432/book"),
        ("postgresql+psycopg://db/book?password=hunter2", "postgresql+psycopg://db/book?password=***"),
        ("postgresql+psycopg://db/book?sslmode=require&sslpassword=hunter2&application_name=x",
         "postgresql+psycopg://db/book?sslmode=require&sslpassword=***&application_name=x"),
        ("https://api.example.com/v1?Access_Token=hunter2&API-KEY=hunter2&apikey=hunter2&Secret=hunter2",
         "https://api.example.com/v1?Access_Token=***&API-KEY=***&apikey=***&Secret=***"),
        # an unencoded "@" in the password: the whole password goes, not only its first part
        ("postgresql://u:hun@ter2@db/book", "postgresql://u:***@db/book"),
        # a URL that does not parse is masked all the same
        ("postgresql+psycopg://u:hunter2@localhost:abc/db?password=hunter2",
         "postgresql+psycopg://u:***@localhost:abc/db?password=***"),
        ("sqlite:///data/tradeai.db", "sqlite:///data/tradeai.db"),
        ("postgresql+psycopg://trader@db/book?options=-csearch_path%3Dx", "postgresql+psycopg://trader@db/book?options=-csearch_path%3Dx"),
    ],
)
def test_every_credential_of_a_url_is_masked_and_nothing_else(url: str, masked: str) -> None:
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    "text",
    [
        # what sqlalchemy and psycopg put in their messages
        "Could not parse SQLAlchemy URL from string 'postgresql+psycopg://u:hunter2@h:x/db'",
        'connection is bad: host=db port=5432 user=trader password=hunter2 dbname=book',
        "conninfo: host='db' password='hunter2 with spaces' dbname='book'",
        'invalid dsn: password="hunter2" sslpassword = hunter2',
        "unterminated: password='hunter2",
        "(psycopg.OperationalError) connecting to postgresql://db/book?password=hunter2&x=1 failed",
    ],
)
def test_credentials_quoted_inside_free_text_are_masked(text: str) -> None:
    masked = mask_urls_in(text)
    assert "hunter2" not in masked
    assert "***" in masked


def test_free_text_without_credentials_is_unchanged() -> None:
    text = "connection to server at \"127.0.0.1\", port 1 failed: Connection refused; key=value tier=0.7"
    assert mask_urls_in(text) == text


def test_scrub_removes_known_secret_values_too() -> None:
    assert scrub("token 123:abc rejected at postgresql://u:pw@h/d", ["123:abc", ""]) == \
        "token *** rejected at postgresql://u:***@h/d"


@pytest.mark.parametrize("name", ["password", "sslpassword", "PASSWORD", "token", "access_token", "api_key",
                                  "apikey", "API-KEY", "secret", "client_secret", "broker.mt5_password"])
def test_secret_names_are_recognised_without_case(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["host", "user", "sslmode", "options", "dbname", "application_name", "key"])
def test_ordinary_names_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name)
