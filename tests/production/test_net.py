"""The client's address behind the configured number of trusted proxies (lkt.net.client_ip)."""

import pytest
from django.test import RequestFactory

from lkt.net import client_ip


def request_from(remote: str = "10.0.0.2", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_connecting_address_is_the_client(settings):
    settings.TRUSTED_PROXIES = 0
    # A client can send any X-Forwarded-For it likes: ignored.
    assert client_ip(request_from("198.51.100.9", "203.0.113.7")) == "198.51.100.9"


def test_one_proxy_takes_the_address_it_appended(settings):
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request_from("10.0.0.2", "203.0.113.7")) == "203.0.113.7"


def test_a_forged_entry_left_of_the_proxys_is_ignored(settings):
    settings.TRUSTED_PROXIES = 1
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real address.
    assert client_ip(request_from("10.0.0.2", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"


def test_two_proxies_count_two_hops_from_the_right(settings):
    settings.TRUSTED_PROXIES = 2
    # client -> CDN (appends client) -> nginx (appends CDN's address) -> app
    assert client_ip(request_from("10.0.0.2", "1.2.3.4, 203.0.113.7, 192.0.2.50")) == "203.0.113.7"


@pytest.mark.parametrize("forwarded", [None, "", " , "])
def test_a_missing_header_falls_back_to_the_connecting_address(settings, forwarded):
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request_from("10.0.0.2", forwarded)) == "10.0.0.2"


def test_a_header_shorter_than_the_proxy_chain_falls_back_to_the_connecting_address(settings):
    settings.TRUSTED_PROXIES = 2
    # Only one hop in the header: the request did not pass through both proxies, so the single
    # entry may be the client's own invention.
    assert client_ip(request_from("10.0.0.2", "203.0.113.7")) == "10.0.0.2"


def test_an_entry_that_is_no_address_falls_back_to_the_connecting_address(settings):
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request_from("10.0.0.2", "unknown")) == "10.0.0.2"
    assert client_ip(request_from("10.0.0.2", "<script>")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.7:51234", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]:51234", "2001:db8::1"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("  203.0.113.7  ", "203.0.113.7"),
    ],
)
def test_ports_brackets_and_spelling_are_normalised(settings, forwarded, expected):
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request_from("10.0.0.2", forwarded)) == expected
