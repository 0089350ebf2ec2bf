/**
 * CheckDelivery, polled by WaitForDelivery: counts data objects Firehose wrote since the push started.
 * Thin adapter over `logic.ts`, which decides what to list.
 */
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { BATCH_ENV, type DeliveryCheckInput, type DeliveryCheckOutput } from "../shared/batch-contract";
import { readEnv } from "../shared/contract";
import { isDelivered, listingPlan, listPlanned, parseDeliveryCheckSettings, parseSince } from "./logic";

const s3 = new S3Client({ requestHandler: new NodeHttpHandler() });

/** `{ delivered: objects > 0, objects }` for objects under data/ last modified at or after `since`. */
export const handler = async (input: DeliveryCheckInput): Promise<DeliveryCheckOutput> => {
  const bucket = readEnv(process.env, BATCH_ENV.bucket, "BatchStage");
  const settings = parseDeliveryCheckSettings(readEnv(process.env, BATCH_ENV.settings, "BatchStage"));
  const since = parseSince(input.since);
  const plan = listingPlan(settings, since, new Date(), input.eventHours);
  const objects = await listPlanned(plan, (prefix, token) =>
    s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 1000 })),
  );
  return isDelivered(objects, since);
};
