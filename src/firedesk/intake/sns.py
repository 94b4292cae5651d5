"""AWS SNS subscriptions: a SubscriptionConfirmation is kept until someone confirms it.

SNS sends nothing to an HTTP(S) endpoint until its subscription is confirmed by a GET of
the `SubscribeURL` it posted. The receiver records each one here; `firedesk alerts`,
`firedesk doctor` and the console's alert pane say it is waiting, with the URL, and
`firedesk sns confirm` makes that GET, only to an `https://sns.<region>.amazonaws.com/`
URL of the ConfirmSubscription action, never anywhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

from firedesk.errors import FiredeskError, InvalidInput, NotFound
from firedesk.store.store import Store
from firedesk.store.timeline import append_event

# sns.us-east-1.amazonaws.com, sns.eu-central-2.amazonaws.com, sns.cn-north-1.amazonaws.com.cn
_HOST = re.compile(r"^sns\.[a-z]{2}(?:-[a-z]+)+-\d{1,2}\.amazonaws\.com(?:\.cn)?$")


@dataclass(frozen=True)
class Subscription:
    """One SubscriptionConfirmation as SNS sent it, and whether it was confirmed."""

    topic_arn: str
    subscribe_url: str
    received_at: str
    confirmed_at: str | None = None
    confirmed_by: str | None = None
    subscription_arn: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def record_confirmation_request(conn: Any, topic_arn: str, subscribe_url: str, now: str,
                                delivery_id: int) -> None:
    """Remember (inside the delivery's transaction) that SNS asks to be confirmed."""
    conn.execute(
        "INSERT INTO sns_subscriptions (topic_arn, subscribe_url, received_at, delivery_id) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (topic_arn) DO UPDATE SET "
        "subscribe_url = excluded.subscribe_url, received_at = excluded.received_at, "
        "delivery_id = excluded.delivery_id, confirmed_at = NULL, confirmed_by = NULL, "
        "subscription_arn = NULL", (topic_arn, subscribe_url, now, delivery_id))


def subscriptions(store: Store, *, pending_only: bool = False) -> list[Subscription]:
    sql = ("SELECT topic_arn, subscribe_url, received_at, confirmed_at, confirmed_by, "
           "subscription_arn FROM sns_subscriptions")
    if pending_only:
        sql += " WHERE confirmed_at IS NULL"
    return [Subscription(**dict(row)) for row in store.query(sql + " ORDER BY received_at, topic_arn")]


def pending_notices(store: Store) -> list[str]:
    """One sentence per subscription still waiting, with what to do about it."""
    return [f"SNS subscription to {s.topic_arn} is waiting for confirmation: run `firedesk sns "
            f"confirm {s.topic_arn}` (or open {s.subscribe_url})"
            for s in subscriptions(store, pending_only=True)]


def validate_subscribe_url(url: str) -> str:
    """The URL if it is SNS's own ConfirmSubscription URL, else InvalidInput saying why."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"not a URL SNS would send: {exc}") from None
    host = parts.hostname or ""
    if parts.scheme != "https":
        raise InvalidInput("the SubscribeURL is not https; refusing to open it")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidInput("the SubscribeURL carries credentials; refusing to open it")
    if port not in (None, 443) or not _HOST.match(host) or parts.netloc.lower() not in (host, f"{host}:443"):
        raise InvalidInput(f"the SubscribeURL's host {host!r} is not sns.<region>.amazonaws.com; "
                           "refusing to open it")
    query = parse_qs(parts.query, keep_blank_values=True)
    if parts.path not in ("", "/") or query.get("Action") != ["ConfirmSubscription"] \
            or len(query.get("TopicArn", [])) != 1 or len(query.get("Token", [])) != 1:
        raise InvalidInput("the SubscribeURL is not a ConfirmSubscription request; refusing to open it")
    return url


def find_subscription(store: Store, topic_arn: str | None) -> Subscription:
    """The pending subscription for TOPIC (or the only one pending)."""
    waiting = subscriptions(store, pending_only=True)
    if topic_arn:
        found = [s for s in subscriptions(store) if s.topic_arn == topic_arn]
        if not found:
            raise NotFound(f"no SNS subscription request for {topic_arn!r} (see `firedesk sns list`)")
        return found[0]
    if not waiting:
        raise NotFound("no SNS subscription is waiting for confirmation")
    if len(waiting) > 1:
        raise InvalidInput("several SNS subscriptions are waiting; name one: "
                           + ", ".join(s.topic_arn for s in waiting))
    return waiting[0]


def confirm_subscription(store: Store, subscription: Subscription, *, author: str,
                         base: str | None = None, transport: Any = None,
                         timeout: float = 10.0) -> Subscription:
    """GET the SubscribeURL (validated), then record who confirmed it and when.

    `base` and `transport` are for tests: the validated URL's path and query are sent to
    `base` (a loopback server speaking SNS's documented answer) instead of AWS.
    """
    import httpx

    url = validate_subscribe_url(subscription.subscribe_url)
    if base is not None:
        parts = urlsplit(url)
        url = base.rstrip("/") + "/?" + parts.query
    try:
        with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as http:
            response = http.get(url)
    except httpx.HTTPError as exc:
        raise FiredeskError(f"could not reach SNS to confirm {subscription.topic_arn}: "
                            f"{type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise FiredeskError(f"SNS answered HTTP {response.status_code} to the confirmation of "
                            f"{subscription.topic_arn}; nothing was recorded")
    arn = _subscription_arn(response.text)
    with store.write() as conn:
        now = store.now()
        conn.execute("UPDATE sns_subscriptions SET confirmed_at = ?, confirmed_by = ?, "
                     "subscription_arn = ? WHERE topic_arn = ?",
                     (now, author, arn, subscription.topic_arn))
        append_event(store, incident_id=None, kind="alert.sns_confirm", author=author,
                     text=f"confirmed the SNS subscription to {subscription.topic_arn}",
                     data={"topic_arn": subscription.topic_arn, "subscription_arn": arn})
    return next(s for s in subscriptions(store) if s.topic_arn == subscription.topic_arn)


def _subscription_arn(body: str) -> str | None:
    """`<ConfirmSubscriptionResponse>…<SubscriptionArn>` (docs: ConfirmSubscription)."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    for element in root.iter():
        if element.tag.endswith("SubscriptionArn") and element.text:
            return element.text.strip()
    return None
