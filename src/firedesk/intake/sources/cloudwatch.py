"""AWS CloudWatch alarms: delivered by SNS (the alarm is a JSON string inside `Message`), or
as an EventBridge "CloudWatch Alarm State Change" event (`detail.state.value`), posted
directly (an API destination) or through SNS."""

from __future__ import annotations

import json
from typing import Any

from firedesk.intake.alert import (
    Alert, Parsed, UnrecognisedPayload, dig, listing, mapping, text,
)
from firedesk.intake.times import parse_time

NAME = "cloudwatch"
_SNS_TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")
_STATE_SEVERITY = {"ALARM": "high", "INSUFFICIENT_DATA": "info", "OK": "info"}


_EVENTBRIDGE = "CloudWatch Alarm State Change"


def looks_like(body: Any) -> bool:
    return _sns_of(body) is not None or _is_alarm(body) or _is_event(body)


def _is_event(body: Any) -> bool:
    """An EventBridge event for an alarm's state change (docs: "Alarm events and EventBridge")."""
    return (isinstance(body, dict) and body.get("detail-type") == _EVENTBRIDGE
            and isinstance(body.get("detail"), dict))


def _is_alarm(body: Any) -> bool:
    """A bare alarm (the decoded `Message`, as EventBridge or a Lambda may forward it)."""
    return isinstance(body, dict) and "AlarmName" in body and "NewStateValue" in body


def _sns_of(body: Any) -> dict[str, Any] | None:
    """The SNS message: the HTTP body itself, or `Records[0].Sns` (Lambda form)."""
    if isinstance(body, dict) and body.get("Type") in _SNS_TYPES and "TopicArn" in body:
        return body
    records = listing(body.get("Records")) if isinstance(body, dict) else []
    sns = mapping(records[0]).get("Sns") if records else None
    if isinstance(sns, dict) and sns.get("Type") in _SNS_TYPES:
        return sns
    return None


def _alarm_of_event(event: dict[str, Any]) -> dict[str, Any]:
    """The EventBridge event read into the SNS alarm message's field names."""
    detail = mapping(event.get("detail"))
    state, previous = mapping(detail.get("state")), mapping(detail.get("previousState"))
    resources = [r for r in listing(event.get("resources")) if isinstance(r, str)]
    metric: dict[str, Any] = {}
    for item in listing(dig(detail, "configuration", "metrics")):
        metric = mapping(dig(item, "metricStat", "metric"))
        if metric:
            break
    return {
        "AlarmName": detail.get("alarmName"), "AlarmArn": resources[0] if resources else None,
        "AlarmDescription": dig(detail, "configuration", "description"),
        "AWSAccountId": event.get("account"), "Region": event.get("region"),
        "NewStateValue": state.get("value"), "NewStateReason": state.get("reason"),
        "StateChangeTime": state.get("timestamp") or event.get("time"),
        "OldStateValue": previous.get("value"),
        "Trigger": {"MetricName": metric.get("name"), "Namespace": metric.get("namespace"),
                    "Dimensions": [{"name": k, "value": v} for k, v in
                                   mapping(metric.get("dimensions")).items()]},
    }


def parse(body: Any, headers: Any = None, *, now: str | None = None) -> Parsed:
    event_id = None
    if _is_event(body):
        event_id = text(body.get("id"))
        body = _alarm_of_event(body)
    sns = _sns_of(body)
    if sns is None and _is_alarm(body):
        sns = {"Type": "Notification", "Message": body, "MessageId": event_id}
    if sns is None:
        raise UnrecognisedPayload("not an SNS message: needs Type and TopicArn")
    delivery = text(sns.get("MessageId"))
    kind = sns["Type"]
    if kind != "Notification":
        url = text(sns.get("SubscribeURL")) or text(sns.get("SubscribeUrl"))
        topic = text(sns.get("TopicArn"))
        confirming = bool(url and topic and kind == "SubscriptionConfirmation")
        note = (f"SNS {kind} for {topic}"
                + (f": run `firedesk sns confirm {topic}` (or open {url})" if confirming else ""))
        return Parsed(NAME, [], delivery, kind="subscription", note=note,
                      subscription={"topic_arn": topic, "subscribe_url": url} if confirming else None)
    message = sns.get("Message")
    try:
        alarm = json.loads(message) if isinstance(message, str) else message
    except ValueError as exc:
        raise UnrecognisedPayload("SNS Message is not JSON (not a CloudWatch alarm)") from exc
    if _is_event(alarm):   # EventBridge → SNS: the event is the message
        alarm = _alarm_of_event(alarm)
    if not isinstance(alarm, dict) or not (alarm.get("AlarmArn") or alarm.get("AlarmName")):
        raise UnrecognisedPayload("SNS Message is not a CloudWatch alarm (no AlarmName)")
    state = text(alarm.get("NewStateValue")) or "ALARM"
    changed = parse_time(alarm.get("StateChangeTime"))
    trigger = mapping(alarm.get("Trigger"))
    labels = {k: v for k, v in {
        "alarm": text(alarm.get("AlarmName")), "account": text(alarm.get("AWSAccountId")),
        "region": text(alarm.get("Region")), "state": state,
        "old_state": text(alarm.get("OldStateValue")),
        "metric": text(trigger.get("MetricName")), "namespace": text(trigger.get("Namespace")),
    }.items() if v}
    for dim in listing(trigger.get("Dimensions")):
        name, value = text(dig(dim, "name")), text(dig(dim, "value"))
        if name and value:
            labels[name] = value
    return Parsed(NAME, [Alert(
        source=NAME, dedup_key=text(alarm.get("AlarmArn")) or text(alarm.get("AlarmName")) or "",
        title=text(alarm.get("AlarmName")) or text(sns.get("Subject")) or "CloudWatch alarm",
        status="resolved" if state == "OK" else "firing",
        severity=_STATE_SEVERITY.get(state, "medium"), severity_raw=state,
        service=text(trigger.get("Namespace")), labels=labels,
        annotations={k: v for k, v in {"description": text(alarm.get("AlarmDescription")),
                                       "reason": text(alarm.get("NewStateReason")),
                                       "subject": text(sns.get("Subject"))}.items() if v},
        starts_at=changed if state != "OK" else None, at=changed,
        resolved_at=changed if state == "OK" else None,
    )], delivery)
