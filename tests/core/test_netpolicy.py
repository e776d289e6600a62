import pytest

from concierge.netpolicy import InsecureServerError, check_server_url


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765", "http://localhost", "http://[::1]:9"])
def test_plain_http_only_to_loopback(url: str) -> None:
    assert check_server_url(url + "/") == url


def test_plain_http_elsewhere_is_refused_with_advice() -> None:
    with pytest.raises(InsecureServerError, match="use https://"):
        check_server_url("http://10.0.0.5:8765")


@pytest.mark.parametrize("url", ["ftp://x", "office", "https://"])
def test_not_a_server_address(url: str) -> None:
    with pytest.raises(ValueError, match="not a server address"):
        check_server_url(url)
