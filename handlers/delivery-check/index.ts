/**
 * CheckDelivery, polled by WaitForDelivery: reports whether every partition the batch expects holds a
 * data object Firehose wrote since the push started. Thin adapter over `logic.ts`.
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { DeliveryCheckInput, DeliveryCheckOutput } from "../../contract/batch";
import { s3Client } from "../shared/aws-clients";
import { batchName, batchSettings } from "../shared/settings";
import { checkDelivery, parseSince, parseUntil } from "./logic";

/** `{ delivered, objects, expected, missing }` for the batch's expected partitions under data/. */
export const handler = async (input: DeliveryCheckInput): Promise<DeliveryCheckOutput> => {
  const [bucket, settings] = [batchName("bucket"), batchSettings()];
  const request = { since: parseSince(input.since), until: parseUntil(input.until), eventHours: input.eventHours };
  return checkDelivery(settings, request, (prefix, token) =>
    s3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 1000 })),
  );
};
