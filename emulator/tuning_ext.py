"""SageMaker hyperparameter tuning jobs with trials, which moto 5.2.1 only pretends to have.

moto stores CreateHyperParameterTuningJob and answers DescribeHyperParameterTuningJob with a
fixed, fake BestTrainingJob; it has no trials and no ListTrainingJobsForHyperParameterTuningJob.
Here a tuning job launches its trials as real (emulated) training jobs, named as SageMaker names
them (``<tuning job>-NNN-xxxxxxxx``), with the static hyperparameters and values drawn from the
ranges (every combination for Grid), and the training definition's image, role, channels,
metric definitions and resources. Each trial reports the objective metric in its
FinalMetricDataList; the tuning job's BestTrainingJob is the trial with the best objective
(Maximize or Minimize), its counters count the trials, and it ends:

- Completed when at least one trial reported the objective (failed trials do not fail it);
- Failed when every trial failed (``FailureReason``, emulator wording), or when a test says so;
- Stopped when a test says so.

Tests choose the outcome with ``POST /_mlops/tuning-outcome`` before the job is created::

    {"NamePrefix": "proj", "Trials": [{"Objective": 0.91, "Metrics": {"test:loss": 0.2}},
     {"Status": "Failed", "FailureReason": "AlgorithmError: ..."}],
     "Status": "Stopped", "FailureReason": "...", "DurationMs": 500}

The first queued outcome whose NamePrefix starts the job's name is used (and consumed). Without
one, every trial completes with an objective that grows with its number. With DurationMs the job
and its trials stay InProgress that long.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import math
import random
import threading
from collections import deque
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceNotFound
from moto.sagemaker.models import HyperParameterTuningJob, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from .state import MUTATION_LOCK, SCHEDULER

ALL_FAILED_REASON = (
    "All training jobs failed: none reported the objective metric. Check the failure reason of "
    "each training job. (emulator wording)"
)
STOPPED_REASON = "Stopped by the user. (emulator wording)"

_original_create = SageMakerResponse.create_hyper_parameter_tuning_job

_outcomes_lock = threading.Lock()
_outcomes: deque[dict[str, Any]] = deque()


def queue_outcome(body: dict[str, Any]) -> None:
    """Remember the outcome of the next tuning job whose name starts with NamePrefix."""
    prefix = body.get("NamePrefix")
    trials = body.get("Trials", [])
    status = body.get("Status")
    if not isinstance(prefix, str) or not prefix:
        raise ValueError("NamePrefix is required")
    if not isinstance(trials, list) or not all(isinstance(t, dict) for t in trials):
        raise ValueError("Trials must be a list of objects")
    if status not in (None, "Completed", "Failed", "Stopped"):
        raise ValueError("Status must be Completed, Failed or Stopped")
    with _outcomes_lock:
        _outcomes.append(body)


def _take_outcome(name: str) -> dict[str, Any]:
    with _outcomes_lock:
        for outcome in _outcomes:
            if name.startswith(outcome["NamePrefix"]):
                _outcomes.remove(outcome)
                return outcome
    return {}


def reset() -> None:
    with _outcomes_lock:
        _outcomes.clear()


def _draw(kind: str, spec: dict[str, Any], rng: random.Random) -> str:
    if kind == "Categorical":
        return str(rng.choice(spec["Values"]))
    low, high = float(spec["MinValue"]), float(spec["MaxValue"])
    if spec.get("ScalingType") == "Logarithmic" and low > 0:
        value = math.exp(rng.uniform(math.log(low), math.log(high)))
    else:
        value = rng.uniform(low, high)
    return str(round(value)) if kind == "Integer" else f"{value:.6g}"


def _trial_values(config: dict[str, Any], count: int, seed: str) -> list[dict[str, str]]:
    ranges = config.get("ParameterRanges") or {}
    if config.get("Strategy") == "Grid":
        categorical = ranges.get("CategoricalParameterRanges") or []
        names = [r["Name"] for r in categorical]
        combos = itertools.product(*[[str(v) for v in r["Values"]] for r in categorical])
        return [dict(zip(names, combo, strict=True)) for combo in combos]
    rng = random.Random(seed)
    trials: list[dict[str, str]] = []
    for _ in range(count):
        values: dict[str, str] = {}
        for kind in ("Continuous", "Integer", "Categorical"):
            for spec in ranges.get(f"{kind}ParameterRanges") or []:
                values[spec["Name"]] = _draw(kind, spec, rng)
        trials.append(values)
    return trials


def _trial_summary(
    job: HyperParameterTuningJob, trial: dict[str, Any], backend: Any
) -> dict[str, Any]:
    training = backend.training_jobs.get(trial["name"])
    status = training.training_job_status if training else trial["status"]
    summary: dict[str, Any] = {
        "TrainingJobName": trial["name"],
        "TrainingJobArn": training.arn if training else "",
        "TuningJobName": job.hyper_parameter_tuning_job_name,
        "CreationTime": trial["created"],
        "TrainingJobStatus": status,
        "TunedHyperParameters": trial["values"],
        "ObjectiveStatus": "Pending",
    }
    if status != "InProgress":
        summary["TrainingStartTime"] = trial["created"]
        summary["TrainingEndTime"] = training.training_end_time if training else trial["created"]
    if status == "Failed":
        summary["FailureReason"] = trial["reason"]
        summary["ObjectiveStatus"] = "Failed"
    if status == "Completed" and trial["objective"] is not None:
        summary["ObjectiveStatus"] = "Succeeded"
        objective = job.hyper_parameter_tuning_job_config["HyperParameterTuningJobObjective"]
        summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
            "Type": objective["Type"],
            "MetricName": objective["MetricName"],
            "Value": trial["objective"],
        }
    return summary


def _launch_trials(
    backend: SageMakerModelBackend, job: HyperParameterTuningJob, outcome: dict[str, Any]
) -> None:
    name = job.hyper_parameter_tuning_job_name
    config = job.hyper_parameter_tuning_job_config
    definition = job.training_job_definition or {}
    limit = config["ResourceLimits"].get("MaxNumberOfTrainingJobs") or 1
    seed = f"{config.get('RandomSeed', '')}/{name}"
    values = _trial_values(config, limit, seed)
    scripted = outcome.get("Trials") or []
    metric = config["HyperParameterTuningJobObjective"]["MetricName"]
    running = "DurationMs" in outcome
    trials: list[dict[str, Any]] = []
    for i, tuned in enumerate(values):
        script = scripted[i] if i < len(scripted) else {}
        suffix = hashlib.sha256(f"{name}/{i}".encode()).hexdigest()[:8]
        trial_name = f"{name}-{i + 1:03d}-{suffix}"
        status = script.get("Status", "Completed")
        objective = script.get("Objective", 0.5 + 0.4 * (i + 1) / len(values))
        algorithm = copy.deepcopy(definition.get("AlgorithmSpecification") or {})
        training = backend.create_training_job(
            training_job_name=trial_name,
            hyper_parameters={**(definition.get("StaticHyperParameters") or {}), **tuned},
            algorithm_specification=copy.deepcopy(algorithm),
            role_arn=definition.get("RoleArn", ""),
            input_data_config=definition.get("InputDataConfig") or [],
            output_data_config=definition.get("OutputDataConfig") or {},
            resource_config=definition.get("ResourceConfig") or {},
            vpc_config=definition.get("VpcConfig") or {},
            stopping_condition=definition.get("StoppingCondition") or {},
            tags=[],
            enable_network_isolation=False,
            enable_inter_container_traffic_encryption=False,
            enable_managed_spot_training=bool(definition.get("EnableManagedSpotTraining")),
            checkpoint_config=definition.get("CheckpointConfig") or {},
            debug_hook_config={},
            debug_rule_configurations=[],
            tensor_board_output_config={},
            experiment_config={},
        )
        # moto replaces the metric definitions with its own; a trial keeps the definition's.
        training.algorithm_specification["MetricDefinitions"] = algorithm.get(
            "MetricDefinitions", []
        )
        training.tuning_job_arn = job.arn
        trial = {
            "name": trial_name,
            "values": tuned,
            "created": training.creation_time,
            "status": status,
            "reason": script.get("FailureReason", "AlgorithmError: trial failed (emulator)"),
            "objective": objective if status == "Completed" else None,
            "metrics": {**(script.get("Metrics") or {}), metric: objective},
        }
        trials.append(trial)
        _set_trial(training, "InProgress" if running else status, trial)
    job.mlops_trials = trials  # type: ignore[attr-defined]
    if running:
        _set_job(job, "InProgress", None, backend)
        SCHEDULER.later(
            float(outcome["DurationMs"]) / 1000.0, lambda: _finish(backend, job, outcome)
        )
    else:
        _finish(backend, job, outcome)


def _set_trial(training: Any, status: str, trial: dict[str, Any]) -> None:
    training.training_job_status = status
    training.secondary_status = status
    training.last_modified_time = utcnow()
    if status == "Failed":
        training.failure_reason = trial["reason"]
    now = utcnow()
    training.final_metric_data_list = (
        [
            {"MetricName": k, "Value": float(v), "Timestamp": now}
            for k, v in trial["metrics"].items()
        ]
        if status == "Completed"
        else []
    )


def _finish(
    backend: SageMakerModelBackend, job: HyperParameterTuningJob, outcome: dict[str, Any]
) -> None:
    if backend.hyper_parameter_tuning_jobs.get(job.hyper_parameter_tuning_job_name) is not job:
        return
    trials: list[dict[str, Any]] = job.mlops_trials  # type: ignore[attr-defined]
    for trial in trials:
        training = backend.training_jobs.get(trial["name"])
        if training is not None:
            _set_trial(training, trial["status"], trial)
    forced = outcome.get("Status")
    if forced in ("Failed", "Stopped"):
        reason = outcome.get("FailureReason") or (STOPPED_REASON if forced == "Stopped" else "")
        _set_job(job, forced, reason, backend)
    elif any(t["objective"] is not None for t in trials):
        _set_job(job, "Completed", None, backend)
    else:
        _set_job(job, "Failed", ALL_FAILED_REASON, backend)


def _set_job(
    job: HyperParameterTuningJob, status: str, reason: str | None, backend: SageMakerModelBackend
) -> None:
    trials: list[dict[str, Any]] = job.mlops_trials  # type: ignore[attr-defined]
    summaries = [_trial_summary(job, t, backend) for t in trials]
    statuses = [s["TrainingJobStatus"] for s in summaries]
    job.hyper_parameter_tuning_job_status = status
    job.failure_reason = reason or None
    job.last_modified_time = utcnow()
    job.hyper_parameter_tuning_end_time = None if status == "InProgress" else utcnow()
    job.training_job_status_counters = {
        "Completed": statuses.count("Completed"),
        "InProgress": statuses.count("InProgress"),
        "RetryableError": 0,
        "NonRetryableError": statuses.count("Failed"),
        "Stopped": statuses.count("Stopped"),
    }
    objectives = [s["ObjectiveStatus"] for s in summaries]
    job.objective_status_counters = {
        "Succeeded": objectives.count("Succeeded"),
        "Pending": objectives.count("Pending"),
        "Failed": objectives.count("Failed"),
    }
    scored = [s for s in summaries if "FinalHyperParameterTuningJobObjectiveMetric" in s]
    objective_type = job.hyper_parameter_tuning_job_config["HyperParameterTuningJobObjective"][
        "Type"
    ]
    pick = max if objective_type == "Maximize" else min
    job.best_training_job = (
        pick(scored, key=lambda s: s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
        if scored
        else None
    )
    # Only a warm-started job has an overall best across its parents (not emulated: none).
    job.OverallBestTrainingJob = None
    job.tuning_job_completion_details = None


def create_hyper_parameter_tuning_job(self: SageMakerResponse) -> ActionResult:
    result = _original_create(self)
    name: str = self._get_param("HyperParameterTuningJobName")
    backend = self.sagemaker_backend
    with MUTATION_LOCK:
        _launch_trials(backend, backend.hyper_parameter_tuning_jobs[name], _take_outcome(name))
    return result


SORT_KEYS = {
    "Name": lambda s: s["TrainingJobName"],
    "CreationTime": lambda s: s["CreationTime"],
    "Status": lambda s: s["TrainingJobStatus"],
    "FinalObjectiveMetricValue": lambda s: s.get(
        "FinalHyperParameterTuningJobObjectiveMetric", {}
    ).get("Value", float("-inf")),
}


def list_training_jobs_for_hyper_parameter_tuning_job(self: SageMakerResponse) -> ActionResult:
    name: str = self._get_param("HyperParameterTuningJobName")
    backend = self.sagemaker_backend
    job = backend.hyper_parameter_tuning_jobs.get(name)
    if job is None:
        raise ResourceNotFound(message=f"Could not find hyper parameter tuning job '{name}'.")
    summaries = [_trial_summary(job, t, backend) for t in getattr(job, "mlops_trials", [])]
    status = self._get_param("StatusEquals")
    if status:
        summaries = [s for s in summaries if s["TrainingJobStatus"] == status]
    sort_by = self._get_param("SortBy") or "Name"
    summaries.sort(key=SORT_KEYS[sort_by], reverse=self._get_param("SortOrder") == "Descending")
    start = int(self._get_param("NextToken") or 0)
    size = int(self._get_param("MaxResults") or 10)
    page = summaries[start : start + size]
    more = start + size < len(summaries)
    return ActionResult(
        {"TrainingJobSummaries": page, **({"NextToken": str(start + size)} if more else {})}
    )


def install() -> None:
    SageMakerResponse.create_hyper_parameter_tuning_job = create_hyper_parameter_tuning_job  # type: ignore[method-assign]
    SageMakerResponse.list_training_jobs_for_hyper_parameter_tuning_job = (  # type: ignore[attr-defined]
        list_training_jobs_for_hyper_parameter_tuning_job
    )
