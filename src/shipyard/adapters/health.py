"""The smoke test's HTTP GET: the :class:`~shipyard.deliver.ports.HealthProbe` port.

It never raises: an answer is (status, body), no answer is (0, why), so the smoke test can
name every pod that failed rather than stopping at the first.
"""

from __future__ import annotations

import httpx2


class HttpProbe:
    def get(self, url: str, timeout_s: float) -> tuple[int, str]:
        try:
            resp = httpx2.get(url, timeout=timeout_s, follow_redirects=False)
        except httpx2.TimeoutException:
            return 0, f"no answer within {timeout_s:g} s"
        except httpx2.HTTPError as exc:
            return 0, f"{type(exc).__name__}: {exc}"
        return resp.status_code, resp.text[:2000]
