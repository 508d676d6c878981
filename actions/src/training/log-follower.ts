// `--follow`: tails a SageMaker training job's CloudWatch log streams while we wait for it.
import { FilterLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { isNotFound } from "../aws/errors.js";
import type { Logger } from "../logger.js";

const GROUP = "/aws/sagemaker/TrainingJobs";

export function trainingLogFollower(
  logs: CloudWatchLogsClient,
  job: string,
  logger: Logger,
): () => Promise<void> {
  let startTime = 0;
  const seen = new Set<string>();
  return async () => {
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await logs.send(
          new FilterLogEventsCommand({
            logGroupName: GROUP,
            logStreamNamePrefix: `${job}/`,
            startTime,
            nextToken,
          }),
        );
      } catch (error) {
        if (isNotFound(error)) return; // no log group or stream yet
        logger.debug(`following ${job}'s log: ${(error as Error).message}`);
        return;
      }
      for (const event of page.events ?? []) {
        if (event.eventId !== undefined && seen.has(event.eventId)) continue;
        if (event.eventId !== undefined) seen.add(event.eventId);
        startTime = Math.max(startTime, event.timestamp ?? 0);
        logger.info(`  [${job}] ${(event.message ?? "").trimEnd()}`);
      }
      nextToken = page.nextToken;
    } while (nextToken);
  };
}
