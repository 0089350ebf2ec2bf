import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import {
  S3BucketLifecycleConfiguration,
  S3BucketLifecycleConfigurationRule,
} from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import type { BucketName, LakeSettings } from "../config";
import { BATCH_PREFIXES, LAKE_PREFIXES } from "../../contract/lake-layout";

export interface LakeStorageProps {
  /** The lake bucket's name. */
  readonly lakeBucket: BucketName;
  /** The Athena results bucket's name. */
  readonly resultsBucket: BucketName;
  /** Lifecycle and deletion settings of the lake (`config.lake`). */
  readonly lake: LakeSettings;
  /** Days before batch staging chunks expire. @default no staging rule (the batch path is off) */
  readonly stagingExpirationDays?: number;
  /** Customer-managed key for SSE-KMS (with S3 Bucket Keys). @default SSE-S3 */
  readonly kmsKeyArn?: string;
  /** S3 server access logging into a separate bucket. @default no access logging */
  readonly accessLogs?: { readonly bucket: BucketName; readonly expirationDays: number };
}

/** Folder of access logs in the access-log bucket: `<prefix><bucket role>/`. */
export const ACCESS_LOG_PREFIX = "s3-access/";

/** Storage: the lake bucket (Parquet, raw backup, errors) and the Athena results bucket, both locked down. */
export class LakeStorage extends Construct {
  public readonly lakeBucket: S3Bucket;
  public readonly resultsBucket: S3Bucket;
  /** Receives the other buckets' server access logs, when access logging is on. */
  public readonly accessLogBucket?: S3Bucket;

  constructor(scope: Construct, id: string, props: LakeStorageProps) {
    super(scope, id);
    const { lake } = props;
    const wholeBucket = { filter: [{}] };
    this.lakeBucket = secureBucket(this, "lake", {
      name: props.lakeBucket,
      forceDestroy: lake.forceDestroy,
      versioned: true,
      kmsKeyArn: props.kmsKeyArn,
      rules: [
        {
          id: "abort-uploads-and-expire-old-versions",
          status: "Enabled",
          ...wholeBucket,
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          noncurrentVersionExpiration: [{ noncurrentDays: lake.noncurrentVersionExpirationDays }],
          // Expiring a current version (and deleting a landing file) leaves a delete marker; once its
          // noncurrent versions have expired, this removes it. S3 rejects ExpiredObjectDeleteMarker next
          // to Days or Date in one Expiration, so it lives in this rule, which has no day-based expiry.
          expiration: [{ expiredObjectDeleteMarker: true }],
        },
        {
          id: "expire-raw-backup",
          status: "Enabled",
          filter: [{ prefix: LAKE_PREFIXES.raw }],
          expiration: [{ days: lake.rawBackupExpirationDays }],
        },
        {
          id: "expire-delivery-errors",
          status: "Enabled",
          filter: [{ prefix: LAKE_PREFIXES.errors }],
          expiration: [{ days: lake.errorExpirationDays }],
        },
        ...batchRules(props),
      ],
    });
    // Query results are disposable, so this bucket is not versioned.
    this.resultsBucket = secureBucket(this, "results", {
      name: props.resultsBucket,
      forceDestroy: true,
      versioned: false,
      kmsKeyArn: props.kmsKeyArn,
      rules: [
        {
          id: "expire-query-results",
          status: "Enabled",
          ...wholeBucket,
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
          expiration: [{ days: lake.queryResultExpirationDays }],
        },
      ],
    });
    if (props.accessLogs) {
      this.accessLogBucket = this.accessLogging(props.accessLogs, lake.forceDestroy);
    }
  }

  /** A log bucket (SSE-S3: S3 cannot deliver access logs to an SSE-KMS bucket) and logging for both buckets. */
  private accessLogging(logs: NonNullable<LakeStorageProps["accessLogs"]>, forceDestroy: boolean): S3Bucket {
    const logBucket = secureBucket(this, "access-logs", {
      name: logs.bucket,
      forceDestroy,
      versioned: false,
      rules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{}],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
          expiration: [{ days: logs.expirationDays }],
        },
      ],
      extraStatements: (bucket) => [
        {
          Sid: "AllowS3ServerAccessLogs",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `${bucket.arn}/${ACCESS_LOG_PREFIX}*`,
          Condition: {
            ArnLike: { "aws:SourceArn": [this.lakeBucket.arn, this.resultsBucket.arn] },
          },
        },
      ],
    });
    for (const [role, bucket] of [
      ["lake", this.lakeBucket],
      ["results", this.resultsBucket],
    ] as const) {
      new S3BucketLoggingA(this, `${role}-access-logging`, {
        bucket: bucket.id,
        targetBucket: logBucket.id,
        targetPrefix: `${ACCESS_LOG_PREFIX}${role}/`,
      });
    }
    return logBucket;
  }
}

/** Lifecycle of the batch folders: staging chunks are disposable, rejected lines live as long as errors. */
function batchRules(props: LakeStorageProps): S3BucketLifecycleConfigurationRule[] {
  if (props.stagingExpirationDays === undefined) return [];
  return [
    {
      id: "expire-batch-staging",
      status: "Enabled",
      filter: [{ prefix: BATCH_PREFIXES.staging }],
      expiration: [{ days: props.stagingExpirationDays }],
    },
    {
      id: "expire-batch-rejects",
      status: "Enabled",
      filter: [{ prefix: BATCH_PREFIXES.rejected }],
      expiration: [{ days: props.lake.errorExpirationDays }],
    },
    ...(props.lake.processedExpirationDays === undefined
      ? []
      : [
          {
            id: "expire-processed-batch-inputs",
            status: "Enabled",
            filter: [{ prefix: BATCH_PREFIXES.processed }],
            expiration: [{ days: props.lake.processedExpirationDays }],
          },
        ]),
  ];
}

interface SecureBucketOptions {
  readonly name: BucketName;
  readonly forceDestroy: boolean;
  readonly versioned: boolean;
  readonly rules: S3BucketLifecycleConfigurationRule[];
  /** SSE-KMS with this key and an S3 Bucket Key; unset uses SSE-S3. */
  readonly kmsKeyArn?: string;
  /** Bucket policy statements besides the TLS-only deny. */
  readonly extraStatements?: (bucket: S3Bucket) => Record<string, unknown>[];
}

/** A bucket with public access blocked, ACLs disabled, encryption, TLS-only access and lifecycle rules. */
function secureBucket(scope: Construct, id: string, options: SecureBucketOptions): S3Bucket {
  const { name } = options;
  const bucket = new S3Bucket(scope, id, {
    ...("name" in name ? { bucket: name.name } : { bucketPrefix: name.prefix }),
    forceDestroy: options.forceDestroy,
  });
  const publicAccess = new S3BucketPublicAccessBlock(scope, `${id}-public-access`, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketOwnershipControls(scope, `${id}-ownership`, {
    bucket: bucket.id,
    rule: { objectOwnership: "BucketOwnerEnforced" },
  });
  new S3BucketServerSideEncryptionConfigurationA(scope, `${id}-encryption`, {
    bucket: bucket.id,
    rule: [
      options.kmsKeyArn
        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: options.kmsKeyArn }, bucketKeyEnabled: true }
        : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
    ],
  });
  if (options.versioned) {
    new S3BucketVersioningA(scope, `${id}-versioning`, {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
  }
  new S3BucketLifecycleConfiguration(scope, `${id}-lifecycle`, { bucket: bucket.id, rule: options.rules });
  new S3BucketPolicy(scope, `${id}-tls-only`, {
    bucket: bucket.id,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [bucket.arn, `${bucket.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        ...(options.extraStatements?.(bucket) ?? []),
      ],
    }),
    // A bucket policy written before the public access block can be rejected as public.
    dependsOn: [publicAccess],
  });
  return bucket;
}
