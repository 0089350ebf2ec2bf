/**
 * CheckDelivery, polled by WaitForDelivery: reports whether every partition the batch expects holds a
 * data object Firehose wrote since the push started. Thin adapter over `logic.ts`.
 */
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { BATCH_ENV, type DeliveryCheckInput, type DeliveryCheckOutput } from "../../contract/batch";
import { readEnv } from "../../contract/environment";
import { checkDelivery, parseDeliveryCheckSettings, parseSince, parseUntil } from "./logic";

const s3 = new S3Client({ requestHandler: new NodeHttpHandler() });

/** `{ delivered, objects, expected, missing }` for the batch's expected partitions under data/. */
export const handler = async (input: DeliveryCheckInput): Promise<DeliveryCheckOutput> => {
  const bucket = readEnv(process.env, BATCH_ENV.bucket, "BatchStage");
  const settings = parseDeliveryCheckSettings(readEnv(process.env, BATCH_ENV.settings, "BatchStage"));
  const request = { since: parseSince(input.since), until: parseUntil(input.until), eventHours: input.eventHours };
  return checkDelivery(settings, request, (prefix, token) =>
    s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 1000 })),
  );
};
