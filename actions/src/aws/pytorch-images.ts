// AWS Deep Learning Container images for PyTorch on SageMaker. The tags below are the ones AWS
// publishes per framework version (see the aws/deep-learning-containers available_images list).

interface PyTorchImage {
  full: string;
  python: string;
  cuda: string;
  os: string;
}

export const PYTORCH_IMAGES: Readonly<Record<string, PyTorchImage>> = {
  "2.0": { full: "2.0.1", python: "py310", cuda: "cu118", os: "ubuntu20.04" },
  "2.1": { full: "2.1.0", python: "py310", cuda: "cu121", os: "ubuntu20.04" },
  "2.2": { full: "2.2.0", python: "py310", cuda: "cu121", os: "ubuntu20.04" },
  "2.3": { full: "2.3.0", python: "py311", cuda: "cu121", os: "ubuntu20.04" },
  "2.4": { full: "2.4.0", python: "py311", cuda: "cu124", os: "ubuntu22.04" },
  "2.5": { full: "2.5.1", python: "py311", cuda: "cu124", os: "ubuntu22.04" },
  "2.6": { full: "2.6.0", python: "py312", cuda: "cu126", os: "ubuntu22.04" },
};

// Most regions pull DLCs from this account; the exceptions are listed.
const DEFAULT_DLC_ACCOUNT = "763104351884";
const REGION_DLC_ACCOUNTS: Readonly<Record<string, string>> = {
  "af-south-1": "626614931356",
  "ap-east-1": "871362719292",
  "ap-southeast-3": "907027046896",
  "eu-south-1": "692866216735",
  "me-south-1": "217643126080",
  "il-central-1": "780543022126",
  "cn-north-1": "727897471807",
  "cn-northwest-1": "727897471807",
};

export function isGpuSageMakerInstance(instanceType: string): boolean {
  return /^ml\.(p\d|g\d)/.test(instanceType);
}

/** Why the framework cannot be resolved to an image, or undefined when it can. */
export function frameworkProblem(version: string, python: string): string | undefined {
  const image = PYTORCH_IMAGES[version];
  if (!image) {
    return `PyTorch ${version} has no known SageMaker image; use one of ${Object.keys(PYTORCH_IMAGES).join(", ")} or set training.image`;
  }
  if (image.python !== python) {
    return `the PyTorch ${version} image is built for ${image.python}, not ${python}`;
  }
  return undefined;
}

export function pytorchImageUri(
  kind: "training" | "inference",
  region: string,
  version: string,
  instanceType: string,
): string {
  const image = PYTORCH_IMAGES[version];
  // Internal invariant: mlops validate refuses a framework version outside this table (frameworkProblem).
  if (!image) throw new Error(`no known PyTorch image for version ${version}`);
  const account = REGION_DLC_ACCOUNTS[region] ?? DEFAULT_DLC_ACCOUNT;
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  const device = isGpuSageMakerInstance(instanceType)
    ? `gpu-${image.python}-${image.cuda}`
    : `cpu-${image.python}`;
  return `${account}.dkr.ecr.${region}.${domain}/pytorch-${kind}:${image.full}-${device}-${image.os}-sagemaker`;
}
