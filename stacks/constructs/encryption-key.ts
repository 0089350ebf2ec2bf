import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { AwsContext } from "./iam";

export interface EncryptionKeyProps {
  /** Alias name without the `alias/` prefix, e.g. `acme-prod-lake`. */
  readonly alias: string;
  readonly ctx: AwsContext;
}

/**
 * The one customer-managed key of the `customer-managed` encryption option, with yearly rotation.
 * Roles get exactly the kms actions they need in their own policies, limited with `kms:ViaService`;
 * the key policy only delegates to the account's IAM and admits the services that use the key without
 * a role of ours: CloudWatch Logs (log groups), and CloudWatch alarms and EventBridge (the alerts topic).
 */
export class EncryptionKey extends Construct {
  public readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const { ctx } = props;
    const account = `arn:${ctx.partition}:iam::${ctx.accountId}:root`;
    this.key = new KmsKey(this, "key", {
      description: `Data lake key (${props.alias}): stream, buckets, logs, state machine, alerts`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            // Lets IAM policies in this account grant use of the key (the roles below do, with kms:ViaService).
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
            Sid: "PublishAlertsFromCloudWatchAndEventBridge",
            Effect: "Allow",
            Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
            Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
          },
        ],
      }),
    });
    new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
  }
}
