import logging

import pytest

from fabrikam_common.serving import DEFAULT_HOST, ServiceConfig


def test_defaults_listen_on_8080_with_a_dev_version() -> None:
    config = ServiceConfig.from_env("delivery", {})
    assert (config.host, config.port, config.version) == (DEFAULT_HOST, 8080, "dev")
    assert config.log_level == logging.INFO


def test_the_environment_sets_port_version_and_log_level() -> None:
    env = {"PORT": "9090", "APP_VERSION": "v1.0.2", "LOG_LEVEL": "debug", "HOST": "127.0.0.1"}
    config = ServiceConfig.from_env("delivery", env)
    assert (config.host, config.port, config.version) == ("127.0.0.1", 9090, "v1.0.2")
    assert config.log_level == logging.DEBUG


@pytest.mark.parametrize("port", ["http", "-1", "70000", ""])
def test_a_bad_port_names_the_variable(port: str) -> None:
    with pytest.raises(ValueError, match="PORT"):
        ServiceConfig.from_env("delivery", {"PORT": port})
