"""CloudWatch alarms as AWS keeps them, and the alarm check of SageMaker's auto-rollback.

moto 5.2.1 starts every alarm OK and, on PutMetricAlarm for an existing alarm, builds a new one
(state back to OK, tags replaced). AWS: "When this operation creates an alarm, the alarm state
is immediately set to INSUFFICIENT_DATA"; "When you update an existing alarm, its state is left
unchanged"; tags given when updating an existing alarm are ignored (PutMetricAlarm reference).
"""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.core.utils import utcnow

_original_put_metric_alarm = CloudWatchBackend.put_metric_alarm

INITIAL_STATE_REASON = "Unchecked: Initial alarm creation"


def put_metric_alarm(self: CloudWatchBackend, *args: Any, **kwargs: Any) -> Any:
    name: str = kwargs["name"] if "name" in kwargs else args[0]
    previous = self.alarms.get(name)
    if previous is not None:
        kwargs = {**kwargs, "tags": None}
    alarm = _original_put_metric_alarm(self, *args, **kwargs)
    if previous is None:
        alarm.state_value = "INSUFFICIENT_DATA"
        alarm.state_reason = INITIAL_STATE_REASON
        alarm.state_updated_timestamp = utcnow()
    else:
        alarm.state_value = previous.state_value
        alarm.state_reason = previous.state_reason
        alarm.state_reason_data = previous.state_reason_data
        alarm.state_updated_timestamp = previous.state_updated_timestamp
        alarm.history = previous.history
    return alarm


def alarms_in_alarm(account_id: str, region: str, names: list[str]) -> list[str]:
    """Which of `names` are in the ALARM state now (alarms that do not exist are not)."""
    backend = cloudwatch_backends[account_id][region]
    return [
        n for n in names if (a := backend.alarms.get(n)) is not None and a.state_value == "ALARM"
    ]


def install() -> None:
    CloudWatchBackend.put_metric_alarm = put_metric_alarm  # type: ignore[method-assign]
