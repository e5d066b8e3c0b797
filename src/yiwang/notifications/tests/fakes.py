"""A recording SMS gateway for tests (YIWANG_SMS_GATEWAY=yiwang.notifications.tests.fakes.Gateway)."""

from __future__ import annotations

from yiwang.notifications.channels import SENT, Outcome


class Gateway:
    sent: list[dict] = []
    outcome: Outcome = SENT

    def send(self, *, to: str, text: str, ref: str, kind: str) -> Outcome:
        Gateway.sent.append({"to": to, "text": text, "ref": ref, "kind": kind})
        return Gateway.outcome

    @classmethod
    def reset(cls) -> None:
        cls.sent = []
        cls.outcome = SENT
