"""Generates actions/src/config/aws-limits.generated.ts from botocore's AWS service models.

`mlops validate` checks config values against the same constraints AWS (and the strict
emulator) apply to the requests they end up in; this table is where its numbers, patterns and
enums come from. It records the botocore version it was made from.

Usage (with the emulator's Python, which has moto and so botocore):
    python3 scripts/aws-limits.py            # rewrite the table
    python3 scripts/aws-limits.py --check    # exit 1 if the table is not what this botocore gives
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import botocore
from botocore.loaders import Loader
from botocore.model import ServiceModel

OUT = (
    Path(__file__).resolve().parent.parent
    / "actions/src/config/aws-limits.generated.ts"
)

# name in the table -> (service, shape): the shapes config values reach.
SHAPES: dict[str, tuple[str, str]] = {
    # Tags the tool sends with the config's tags (SageMaker, IAM, CloudWatch Logs).
    "sagemakerTagKey": ("sagemaker", "TagKey"),
    "sagemakerTagValue": ("sagemaker", "TagValue"),
    "sagemakerTagList": ("sagemaker", "TagList"),
    "iamTagKey": ("iam", "tagKeyType"),
    "iamTagValue": ("iam", "tagValueType"),
    "iamTagList": ("iam", "tagListType"),
    "logsTagKey": ("logs", "TagKey"),
    "logsTagValue": ("logs", "TagValue"),
    "logsTags": ("logs", "Tags"),
    # CreateTrainingJob
    "hyperParameters": ("sagemaker", "HyperParameters"),
    "hyperParameterKey": ("sagemaker", "HyperParameterKey"),
    "hyperParameterValue": ("sagemaker", "HyperParameterValue"),
    "trainingInstanceType": ("sagemaker", "TrainingInstanceType"),
    "metricName": ("sagemaker", "MetricName"),
    "metricRegex": ("sagemaker", "MetricRegex"),
    "metricDefinitionList": ("sagemaker", "MetricDefinitionList"),
    # CreateHyperParameterTuningJob
    "tuningJobName": ("sagemaker", "HyperParameterTuningJobName"),
    "parameterKey": ("sagemaker", "ParameterKey"),
    "parameterValue": ("sagemaker", "ParameterValue"),
    "parameterValues": ("sagemaker", "ParameterValues"),
    "integerParameterRanges": ("sagemaker", "IntegerParameterRanges"),
    "continuousParameterRanges": ("sagemaker", "ContinuousParameterRanges"),
    "categoricalParameterRanges": ("sagemaker", "CategoricalParameterRanges"),
    "maxNumberOfTrainingJobs": ("sagemaker", "MaxNumberOfTrainingJobs"),
    "maxParallelTrainingJobs": ("sagemaker", "MaxParallelTrainingJobs"),
    # CreateEndpointConfig / UpdateEndpoint
    "endpointInstanceType": ("sagemaker", "ProductionVariantInstanceType"),
    "variantName": ("sagemaker", "VariantName"),
    "alarmName": ("sagemaker", "AlarmName"),
    "alarmList": ("sagemaker", "AlarmList"),
    "dataCaptureDestination": ("sagemaker", "DestinationS3Uri"),
    "dataCaptureKmsKey": ("sagemaker", "KmsKeyId"),
    # CreateModel / CreateEndpointConfig of model.serve: the served artifact, its image and
    # environment, and the model and endpoint config it adopts
    "modelName": ("sagemaker", "ModelName"),
    "endpointConfigName": ("sagemaker", "EndpointConfigName"),
    "modelDataUrl": ("sagemaker", "Url"),
    "containerImage": ("sagemaker", "ContainerImage"),
    "containerEnvironment": ("sagemaker", "EnvironmentMap"),
    "containerEnvironmentKey": ("sagemaker", "EnvironmentKey"),
    "containerEnvironmentValue": ("sagemaker", "EnvironmentValue"),
    # RunInstances (the EC2 training runner)
    "ec2InstanceType": ("ec2", "InstanceType"),
    # CreateFunction / UpdateFunctionConfiguration
    "lambdaMemorySize": ("lambda", "MemorySize"),
    "lambdaTimeout": ("lambda", "Timeout"),
    "lambdaEnvironmentVariableName": ("lambda", "EnvironmentVariableName"),
    "lambdaHandler": ("lambda", "Handler"),
    # CreateFunctionUrlConfig / UpdateFunctionUrlConfig: the URL's CORS
    "lambdaCorsOrigin": ("lambda", "Origin"),
    "lambdaCorsOrigins": ("lambda", "AllowOriginsList"),
    "lambdaCorsMethod": ("lambda", "Method"),
    "lambdaCorsMethods": ("lambda", "AllowMethodsList"),
    "lambdaCorsHeader": ("lambda", "Header"),
    "lambdaCorsHeaders": ("lambda", "HeadersList"),
    "lambdaCorsMaxAge": ("lambda", "MaxAge"),
}

KEYS = ("min", "max", "pattern")


def table() -> dict[str, dict[str, object]]:
    loader = Loader()
    models: dict[str, ServiceModel] = {}
    result: dict[str, dict[str, object]] = {}
    for name, (service, shape_name) in SHAPES.items():
        if service not in models:
            models[service] = ServiceModel(
                loader.load_service_model(service, "service-2"), service
            )
        shape = models[service].shape_for(shape_name)
        entry: dict[str, object] = {
            k: shape.metadata[k] for k in KEYS if k in shape.metadata
        }
        if shape.type_name == "string" and shape.enum:
            entry["enum"] = list(shape.enum)
        entry["source"] = f"{service} {shape_name}"
        result[name] = entry
    return result


def render() -> str:
    body = json.dumps(table(), indent=2, ensure_ascii=False)
    return (
        "// Generated by scripts/aws-limits.py from botocore's AWS service models: do not edit.\n"
        "// Regenerate with `python3 scripts/aws-limits.py` (the emulator's Python).\n"
        "// Patterns are Java regular expressions as AWS writes them; awsPattern() in\n"
        "// aws-limits.ts turns them into anchored JavaScript ones.\n"
        f'export const BOTOCORE_VERSION = "{botocore.__version__}";\n\n'
        f"export const AWS_LIMITS = {body} as const;\n"
    )


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(
                f"{OUT} is not what botocore {botocore.__version__} gives; "
                "run: python3 scripts/aws-limits.py",
                file=sys.stderr,
            )
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
