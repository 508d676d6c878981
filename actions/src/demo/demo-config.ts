// The demo's config: every part of the product, on small generated data, training locally.
export function demoConfig(options: {
  repoRoot: string;
  dataDir: string;
  maxCapacity: number;
  epochs: number;
  python: string;
  /** Adds staging and production (approval) environments. */
  environments?: boolean;
}): string {
  return `# yaml-language-server: $schema=${options.repoRoot}/schemas/mlops.schema.json
# Written by \`npm run demo\`: the dog-breed service's shape on generated shapes data.
version: 1
project: demo
region: us-east-1
tags: { purpose: demo }
data:
  source: ${options.dataDir}
  bucket: demo-\${account}-\${region}
  prefix: images/
  delete: true
training:
  backend: local
  sourceDir: ${options.repoRoot}/training
  hyperparameters: { epochs: ${options.epochs}, arch: resnet18, image-size: 32, batch-size: 32, learning-rate: 0.0005, pretrained: false, seed: 0 }
  local: { python: ${options.python} }
model:
  qualityGate: { metric: test_accuracy, min: 0.6 }
endpoint:
  name: demo-shapes
  instanceType: ml.m5.large
  autoscaling:
    minCapacity: 1
    maxCapacity: ${options.maxCapacity}
    targetInvocationsPerInstance: 20
    scaleInCooldown: 30s
    scaleOutCooldown: 30s
lambda:
  name: demo-shapes-inference
  code: ${options.repoRoot}/lambda/dist
  alias: live
  provisionedConcurrency: 2
  reservedConcurrency: 5
  url:
    auth: AWS_IAM
    cors: { allowOrigins: [http://localhost:3000] }
${
  options.environments === true
    ? `environments:
  staging: { lambda: { provisionedConcurrency: 1 } }
  production: { approval: true, endpoint: { autoscaling: { minCapacity: 1, maxCapacity: ${options.maxCapacity + 1}, targetInvocationsPerInstance: 20 } } }
`
    : ""
}`;
}
