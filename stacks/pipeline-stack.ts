import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Aspects, CloudBackend, LocalBackend, NamedCloudWorkspace, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { BATCH_FUNCTION_NAMES } from "../contract/names";
import { batchSettings, PipelineConfig, tableSchema, transformSettings } from "./config";
import { AlertsTopic } from "./constructs/alerts-topic";
import { BatchStage } from "./constructs/batch-stage";
import { CatalogStage } from "./constructs/catalog-stage";
import { DashboardsStage } from "./constructs/dashboards-stage";
import { DeliveryStage } from "./constructs/delivery-stage";
import { EncryptionKey } from "./constructs/encryption-key";
import { AwsContext } from "./constructs/iam";
import { LakeStorage } from "./constructs/lake-storage";
import { MonitoringStage } from "./constructs/monitoring-stage";
import { QueryStage } from "./constructs/query-stage";
import { StreamStage } from "./constructs/stream-stage";
import { TransformFunction } from "./constructs/transform-function";
import { IamRulesAspect } from "./iam-rules";

export interface PipelineStackProps {
  /** A validated configuration from `loadConfig`. */
  readonly config: PipelineConfig;
}

/** One environment of the data lake: provider, backend, and the stages wired together. */
export class PipelineStack extends TerraformStack {
  public readonly stream: StreamStage;
  public readonly storage: LakeStorage;
  public readonly transform: TransformFunction;
  public readonly catalog: CatalogStage;
  public readonly delivery: DeliveryStage;
  public readonly query: QueryStage;
  /** The customer-managed key, when `security.encryption` is customer-managed. */
  public readonly encryptionKey?: EncryptionKey;
  /** QuickSight data source, data set and analysis; undefined unless `quicksight.enabled`. */
  public readonly dashboards?: DashboardsStage;
  /** The topic every alert goes to. */
  public readonly alerts: AlertsTopic;
  /** Alarms, the crawler-failure rule and the dashboard; undefined when `monitoring.enabled` is false. */
  public readonly monitoring?: MonitoringStage;
  /** The scheduled batch path; undefined when `batch.enabled` is false. */
  public readonly batch?: BatchStage;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id);
    // Synth fails when a policy of the stack breaks a §2.8 IAM rule; the aspect only reads.
    Aspects.of(this).add(new IamRulesAspect());
    const { config } = props;
    const names = config.resolvedNames;

    providerAndBackend(this, id, config);

    const ctx: AwsContext = {
      accountId: new DataAwsCallerIdentity(this, "account").accountId,
      partition: new DataAwsPartition(this, "partition").partition,
      region: config.region,
    };

    if (config.security.encryption === "customer-managed") {
      this.encryptionKey = new EncryptionKey(this, "encryption", {
        alias: names.keyAlias,
        ctx,
        // The batch state machine logs executions (level ERROR) under this key.
        stateMachineLogging: config.batch.enabled,
      });
    }
    const kmsKeyArn = this.encryptionKey?.key.arn;

    this.stream = new StreamStage(this, "stream", {
      name: names.stream,
      mode: config.stream.mode,
      shardCount: config.stream.shardCount,
      retentionHours: config.stream.retentionHours,
      kmsKeyArn: config.stream.kmsKeyArn ?? kmsKeyArn,
    });
    this.storage = new LakeStorage(this, "storage", {
      lakeBucket: names.lakeBucket,
      resultsBucket: names.resultsBucket,
      lake: config.lake,
      stagingExpirationDays: config.batch.enabled ? config.batch.stagingExpirationDays : undefined,
      kmsKeyArn,
      accessLogs: config.security.accessLogging
        ? { bucket: names.accessLogBucket, expirationDays: config.security.accessLogExpirationDays }
        : undefined,
    });
    this.transform = new TransformFunction(this, "transform", {
      functionName: names.transformFunction,
      settings: transformSettings(config),
      memoryMiB: config.transform.memoryMiB,
      timeoutSeconds: config.transform.timeoutSeconds,
      tracing: config.transform.tracing,
      logRetentionDays: config.logs.retentionDays,
      kmsKeyArn,
      ctx,
    });
    this.catalog = this.catalogStage(config, ctx, kmsKeyArn);
    this.delivery = this.deliveryStage(config, ctx, kmsKeyArn);
    this.query = this.queryStage(config, kmsKeyArn);

    this.dashboards = this.dashboardsStage(config, ctx, kmsKeyArn);

    this.alerts = new AlertsTopic(this, "alerts", {
      name: names.alertsTopic,
      email: config.monitoring.notificationEmail,
      kmsKeyArn,
    });
    this.batch = this.batchStage(config, ctx, kmsKeyArn);
    this.monitoring = this.monitoringStage(config, ctx);

    this.addOutputs();
  }

  /** The Glue database, the events table (with its latest view) and the crawler. */
  private catalogStage(config: PipelineConfig, ctx: AwsContext, kmsKeyArn: string | undefined): CatalogStage {
    const names = config.resolvedNames;
    return new CatalogStage(this, "catalog", {
      databaseName: names.database,
      tableName: names.table,
      crawlerName: names.crawler,
      schema: tableSchema(config),
      dayKey: config.partitioning.dayKey,
      format: config.delivery.format,
      lakeBucket: this.storage.lakeBucket,
      catalog: config.catalog,
      kmsKeyArn,
      eventIdColumn: latestViewIdColumn(config),
      ctx,
    });
  }

  /** Firehose from the stream to the lake, converting with the catalog's table. */
  private deliveryStage(config: PipelineConfig, ctx: AwsContext, kmsKeyArn: string | undefined): DeliveryStage {
    const names = config.resolvedNames;
    return new DeliveryStage(this, "delivery", {
      name: names.deliveryStream,
      source: this.stream.stream,
      sourceKeyArn: this.stream.customerManagedKeyArn,
      lakeBucket: this.storage.lakeBucket,
      transform: this.transform.fn,
      table: this.catalog.events,
      delivery: config.delivery,
      dayKey: config.partitioning.dayKey,
      partitionTime: config.partitioning.partitionTime,
      logRetentionDays: config.logs.retentionDays,
      kmsKeyArn,
      ctx,
    });
  }

  /** The Athena workgroups and named queries over the catalog's table. */
  private queryStage(config: PipelineConfig, kmsKeyArn: string | undefined): QueryStage {
    const names = config.resolvedNames;
    return new QueryStage(this, "query", {
      workgroupName: names.workgroup,
      resultsBucket: this.storage.resultsBucket,
      bytesScannedCutoffPerQuery: config.query.bytesScannedCutoffPerQuery,
      table: this.catalog.events,
      schema: tableSchema(config),
      dayKey: config.partitioning.dayKey,
      eventIdColumn: latestViewIdColumn(config),
      partitionProjection: config.catalog.partitionProjection,
      kmsKeyArn,
      validationWorkgroup: config.batch.enabled
        ? { name: names.batchValidationWorkgroup, bytesScannedCutoffPerQuery: config.batch.validationBytesScannedCutoff }
        : undefined,
    });
  }

  /** QuickSight over the workgroup and table, when enabled with a principal. */
  private dashboardsStage(config: PipelineConfig, ctx: AwsContext, kmsKeyArn: string | undefined): DashboardsStage | undefined {
    if (!config.quicksight.enabled || !config.quicksight.principalArn) return undefined;
    const names = config.resolvedNames;
    return new DashboardsStage(this, "dashboards", {
      namePrefix: names.base,
      principalArn: config.quicksight.principalArn,
      importMode: config.quicksight.importMode,
      // Resource references, so Terraform creates the workgroup, database and table first.
      workgroupName: this.query.workgroup.name,
      databaseName: this.catalog.database.name,
      tableName: this.catalog.table.name,
      schema: tableSchema(config),
      dayKey: config.partitioning.dayKey,
      accountId: ctx.accountId,
      region: config.region,
      serviceRole: {
        name: config.quicksight.serviceRoleName,
        lakeBucketArn: this.storage.lakeBucket.arn,
        resultsBucketArn: this.storage.resultsBucket.arn,
        kmsKeyArn,
        ctx,
      },
    });
  }

  /** The scheduled batch path, when enabled. */
  private batchStage(config: PipelineConfig, ctx: AwsContext, kmsKeyArn: string | undefined): BatchStage | undefined {
    if (!config.batch.enabled) return undefined;
    const names = config.resolvedNames;
    return new BatchStage(this, "batch", {
      functionNames: names.batchFunctions,
      scheduleDeadLetterQueueName: names.scheduleDeadLetterQueue,
      stateMachineName: names.stateMachine,
      batch: config.batch,
      settings: batchSettings(config),
      stream: this.stream.stream,
      streamSettings: config.stream,
      delivery: config.delivery,
      lakeBucket: this.storage.lakeBucket,
      resultsBucket: this.storage.resultsBucket,
      // Under partition projection Athena ignores the partitions a crawl registers: the workflow never crawls.
      crawlerName: config.catalog.partitionProjection ? null : names.crawler,
      // Its own workgroup (created by QueryStage): the validation never shares the user-facing scan cutoff.
      workgroupName: names.batchValidationWorkgroup,
      alerts: this.alerts.topic,
      logRetentionDays: config.logs.retentionDays,
      kmsKeyArn,
      ctx,
    });
  }

  /** Alarms, the crawler-failure rule and the dashboard, when enabled. */
  private monitoringStage(config: PipelineConfig, ctx: AwsContext): MonitoringStage | undefined {
    if (!config.monitoring.enabled) return undefined;
    const names = config.resolvedNames;
    const batchFunctions = this.batch ? BATCH_FUNCTION_NAMES.map((n) => names.batchFunctions[n]) : [];
    return new MonitoringStage(this, "monitoring", {
      namePrefix: names.base,
      alerts: this.alerts.topic,
      settings: config.monitoring,
      bufferIntervalSeconds: config.delivery.bufferIntervalSeconds,
      processorBufferIntervalSeconds: config.delivery.processorBufferIntervalSeconds,
      streamName: names.stream,
      deliveryStreamName: names.deliveryStream,
      functionNames: [names.transformFunction, ...batchFunctions],
      transformFunctionName: names.transformFunction,
      // The namespace the transform publishes to: the alarm reads it from the function it watches.
      transformMetricsNamespace: this.transform.metricsNamespace,
      stateMachineArn: this.batch?.stateMachine.arn,
      stateMachineName: this.batch ? names.stateMachine : undefined,
      scheduleDeadLetterQueueName: this.batch ? names.scheduleDeadLetterQueue : undefined,
      crawlerName: names.crawler,
      format: config.delivery.format,
      dynamicPartitioning: config.partitioning.partitionTime === "event",
      ctx,
    });
  }

  /** The names and ARNs operators and the CLIs look up. */
  private addOutputs(): void {
    const outputs: Record<string, string> = {
      stream_name: this.stream.stream.name,
      delivery_stream_name: this.delivery.deliveryStream.name,
      lake_bucket: this.storage.lakeBucket.bucket,
      results_bucket: this.storage.resultsBucket.bucket,
      glue_database: this.catalog.database.name,
      glue_table: this.catalog.table.name,
      ...(this.catalog.latestView ? { glue_latest_view: this.catalog.latestView.view.name } : {}),
      crawler_name: this.catalog.crawler.name,
      athena_workgroup: this.query.workgroup.name,
      ...(this.batch ? { batch_state_machine_arn: this.batch.stateMachine.arn } : {}),
      alerts_topic_arn: this.alerts.topic.arn,
    };
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value });
  }
}

/**
 * The event id column the deduplicated view `<table>_latest` keeps one row per value of: the batch's
 * event id column (validated with the batch path on; with it off, used when the schema has it).
 */
function latestViewIdColumn(config: PipelineConfig): string | undefined {
  const column = config.batch.eventIdColumn;
  return config.schema.columns.some((c) => c.name === column) ? column : undefined;
}

/** The AWS provider with the default tags, and the Terraform backend the configuration chooses. */
function providerAndBackend(stack: TerraformStack, id: string, config: PipelineConfig): void {
  new AwsProvider(stack, "aws", {
    region: config.region,
    defaultTags: [
      {
        tags: {
          project: config.namePrefix,
          environment: config.environment,
          "managed-by": "terraform",
          ...config.tags,
        },
      },
    ],
  });
  if (config.backend.kind === "cloud") {
    new CloudBackend(stack, {
      hostname: config.backend.hostname,
      organization: config.backend.organization,
      workspaces: new NamedCloudWorkspace(config.backend.workspace),
    });
  } else {
    // Terraform runs in cdktf.out/stacks/<id>: keep the state file at the project root.
    new LocalBackend(stack, { path: `../../../terraform.${id}.tfstate` });
  }
}
