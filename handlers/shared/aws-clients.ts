/**
 * The SDK clients of the functions, each created once per container on first use, all with the same
 * HTTP/1.1 handler: Kinesis defaults to HTTP/2, which local engines reject, and none of the calls gains
 * from it. They honour AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_KINESIS like every SDK v3 client.
 */
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";

function clientConfig(): { requestHandler: NodeHttpHandler } {
  return { requestHandler: new NodeHttpHandler() };
}

let s3: S3Client | undefined;
let kinesis: KinesisClient | undefined;

/** The container's S3 client. */
export function s3Client(): S3Client {
  return (s3 ??= new S3Client(clientConfig()));
}

/** The container's Kinesis client. */
export function kinesisClient(): KinesisClient {
  return (kinesis ??= new KinesisClient(clientConfig()));
}
