/**
 * PushToKinesis, one Map iteration of the batch workflow: reads one staging chunk from the lake bucket
 * and puts its records on the stream. Thin adapter over `logic.ts`. Both clients use the HTTP/1.1
 * handler (Kinesis defaults to HTTP/2, which local engines reject; PutRecords gains nothing from it), and
 * honour AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL_S3 like every SDK v3 client.
 */
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { BATCH_ENV, type PushInput, type PushOutput } from "../../contract/batch";
import { readEnv } from "../../contract/environment";
import { parsePushSettings, pushChunk, type PutRecordsRequest } from "./logic";
import { BATCH_PREFIXES } from "../../contract/lake-layout";

const s3 = new S3Client({ requestHandler: new NodeHttpHandler() });
const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Pushes every record of `chunkKey`; throws `RecordsUndelivered` rather than return with records unsent. */
export const handler = async (input: PushInput): Promise<PushOutput> => {
  const bucket = readEnv(process.env, BATCH_ENV.bucket, "BatchStage");
  const streamName = readEnv(process.env, BATCH_ENV.streamName, "BatchStage");
  const settings = parsePushSettings(readEnv(process.env, BATCH_ENV.settings, "BatchStage"));
  if (!input.chunkKey?.startsWith(BATCH_PREFIXES.staging)) {
    throw new Error(`chunkKey must be under ${BATCH_PREFIXES.staging}, got ${JSON.stringify(input.chunkKey)}`);
  }
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: input.chunkKey }));
  const ndjson = (await object.Body?.transformToString("utf-8")) ?? "";
  const putRecords = (request: PutRecordsRequest) => kinesis.send(new PutRecordsCommand(request));
  return pushChunk(ndjson, { chunkKey: input.chunkKey, streamName, settings }, { putRecords, sleep, random: Math.random });
};
