"""Shared helpers of the Fabrikam shipping services (delivery and package use it).

The folder is a dependency of the services that import it, and their pipelines say so in
their path filters: a push that touches only ``src/shipping/common/`` rebuilds delivery and
package, not workflow, which keeps its own small HTTP layer on purpose.
"""

from fabrikam_common.jsonhttp import ApiError, JsonApiHandler, Route, make_server
from fabrikam_common.logs import configure_logging
from fabrikam_common.requestid import REQUEST_ID_HEADER, ensure_request_id
from fabrikam_common.serving import ServiceConfig, serve_until_signalled

__all__ = [
    "REQUEST_ID_HEADER",
    "ApiError",
    "JsonApiHandler",
    "Route",
    "ServiceConfig",
    "configure_logging",
    "ensure_request_id",
    "make_server",
    "serve_until_signalled",
]
