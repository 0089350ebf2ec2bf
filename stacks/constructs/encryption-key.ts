import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { AwsContext } from "./iam";

export interface EncryptionKeyProps {
  /** Alias name without the `alias/` prefix, e.g. `acme-prod-lake`. */
  readonly alias: string;
  /** Account, partition and region the key policy names. */
  readonly ctx: AwsContext;
  /**
   * A state machine with execution logging is encrypted with this key (the batch path): CloudWatch
   * Logs' delivery service must then be able to decrypt with it.
   * @default false
   */
  readonly stateMachineLogging?: boolean;
}

const DEFAULTS = { stateMachineLogging: false } as const;

/**
 * The one customer-managed key of the `customer-managed` encryption option, with yearly rotation.
 * Roles get exactly the kms actions they need in their own policies, limited with `kms:ViaService`
 * or, where AWS documents no "via" service, the encryption context of our own resource; the key
 * policy only delegates to the account's IAM and admits the services that use the key without a
 * role of ours, each conditioned only on what that service sends: CloudWatch Logs (log groups),
 * CloudWatch alarms and EventBridge (the alerts topic), and CloudWatch Logs delivery (state machine
 * execution logs).
 */
export class EncryptionKey extends Construct {
  public readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const { ctx } = props;
    const account = `arn:${ctx.partition}:iam::${ctx.accountId}:root`;
    const statements: Record<string, unknown>[] = [
      {
        // Lets IAM policies in this account grant use of the key (the roles do, each scoped).
        Sid: "DelegateToAccountIam",
        Effect: "Allow",
        Principal: { AWS: account },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "EncryptLogGroups",
        Effect: "Allow",
        Principal: { Service: `logs.${ctx.region}.amazonaws.com` },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: "*",
        Condition: {
          ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:*` },
        },
      },
      {
        // SNS guide: add aws:SourceAccount for the publishing service (alarms of this account only).
        Sid: "CloudWatchAlarmsPublishAlerts",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
      },
      {
        // SNS guide: aws:SourceAccount, aws:SourceArn and aws:SourceOrgID are not supported for
        // EventBridge to encrypted topics; a condition on them drops every crawler-failure alert.
        Sid: "EventBridgePublishesAlerts",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Resource: "*",
      },
    ];
    if (props.stateMachineLogging ?? DEFAULTS.stateMachineLogging) {
      statements.push({
        // Step Functions "Data at rest encryption", step 3: exactly this statement, no condition.
        Sid: "StateMachineLogDelivery",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: "kms:Decrypt",
        Resource: "*",
      });
    }
    this.key = new KmsKey(this, "key", {
      description: `Data lake key (${props.alias}): stream, buckets, logs, state machine, alerts`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
    new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
  }
}
