from collections.abc import Iterator

import pytest

from fabrikam_common.jsonhttp import ApiServer
from fabrikam_common.testing import running
from fabrikam_delivery.app import build_server


@pytest.fixture
def server() -> Iterator[ApiServer]:
    with running(build_server("127.0.0.1", 0, version="v1.0.2")) as srv:
        yield srv
