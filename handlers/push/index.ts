/**
 * PushToKinesis, one Map iteration of the batch workflow: reads one staging chunk from the lake bucket
 * and puts its records on the stream. Thin adapter over `logic.ts`.
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import type { PushInput, PushOutput } from "../../contract/batch";
import { BATCH_PREFIXES } from "../../contract/lake-layout";
import { kinesisClient, s3Client } from "../shared/aws-clients";
import { batchName, batchSettings } from "../shared/settings";
import { pushChunk, settingsForBatch, type PutRecordsRequest } from "./logic";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Pushes every record of `chunkKey`; throws `RecordsUndelivered` rather than return with records unsent. */
export const handler = async (input: PushInput): Promise<PushOutput> => {
  const [bucket, streamName, settings] = [batchName("bucket"), batchName("streamName"), batchSettings()];
  if (!input.chunkKey?.startsWith(BATCH_PREFIXES.staging)) {
    throw new Error(`chunkKey must be under ${BATCH_PREFIXES.staging}, got ${JSON.stringify(input.chunkKey)}`);
  }
  const object = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: input.chunkKey }));
  const ndjson = (await object.Body?.transformToString("utf-8")) ?? "";
  const putRecords = (request: PutRecordsRequest) => kinesisClient().send(new PutRecordsCommand(request));
  return pushChunk(
    ndjson,
    { chunkKey: input.chunkKey, streamName, settings: settingsForBatch(settings, input.rangeCount) },
    {
      putRecords,
      sleep,
      random: Math.random,
      now: () => performance.now(),
    },
  );
};
