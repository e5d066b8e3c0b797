"""The SMS gateway adapter: a generic JSON POST, which most Chinese SMS platforms (and the
government 短信平台 gateways in front of them) accept or can be fronted with.

    POST $YIWANG_SMS_URL
    Content-Type: application/json; charset=utf-8
    $YIWANG_SMS_API_KEY_HEADER: $YIWANG_SMS_API_KEY      (default header X-API-Key)
    Idempotency-Key: yiwang-<delivery id>

    {"to": "13800000000", "text": "【一网通办】…", "ref": "yiwang-<delivery id>", "kind": "case.accepted"}

2xx = sent; 408, 425, 429 and 5xx, time-outs and refused connections = try again later (the
delivery log's backoff); any other status = failed for good. The phone number and the text go to
the gateway only: never into a log line, an exception message or the delivery log.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings

from .channels import SENT, Outcome, failed, retry

RETRY_STATUSES = {408, 425, 429}


class HttpJsonGateway:
    def __init__(
        self,
        *,
        url: str | None = None,
        api_key: str | None = None,
        header: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.url = url if url is not None else getattr(settings, "YIWANG_SMS_URL", "")
        self.api_key = api_key if api_key is not None else getattr(settings, "YIWANG_SMS_API_KEY", "")
        self.header = header or getattr(settings, "YIWANG_SMS_API_KEY_HEADER", "") or "X-API-Key"
        self.timeout = timeout if timeout is not None else float(getattr(settings, "YIWANG_SMS_TIMEOUT", 5))

    def send(self, *, to: str, text: str, ref: str, kind: str) -> Outcome:
        if not self.url:
            return failed("sms_not_configured")
        if not self.url.lower().startswith(("http://", "https://")):
            return failed("sms_bad_url")
        body = json.dumps({"to": to, "text": text, "ref": ref, "kind": kind}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": ref}
        if self.api_key:
            headers[self.header] = self.api_key
        req = urllib.request.Request(self.url, data=body, method="POST", headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - scheme checked
                status = resp.status
                resp.read(65536)
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
        except urllib.error.URLError as exc:
            return retry("sms_timeout" if isinstance(exc.reason, TimeoutError) else "sms_unreachable")
        except TimeoutError:
            return retry("sms_timeout")
        except OSError:
            return retry("sms_unreachable")
        if 200 <= status < 300:
            return SENT
        if status in RETRY_STATUSES or status >= 500:
            return retry(f"sms_http_{status}")
        return failed(f"sms_http_{status}")
