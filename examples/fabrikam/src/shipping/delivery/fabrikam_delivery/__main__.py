"""``python -m fabrikam_delivery``: serve on $PORT until SIGTERM."""

from __future__ import annotations

import sys

from fabrikam_common import ServiceConfig, configure_logging, serve_until_signalled
from fabrikam_delivery import SERVICE
from fabrikam_delivery.app import build_server


def main() -> int:
    try:
        config = ServiceConfig.from_env(SERVICE)
    except ValueError as err:
        print(f"{SERVICE}: {err}", file=sys.stderr)
        return 2
    configure_logging(SERVICE, config.log_level)
    server = build_server(config.host, config.port, version=config.version)
    return serve_until_signalled(server)


if __name__ == "__main__":
    sys.exit(main())
