import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";

export interface AlertsTopicProps {
  /** Physical topic name (`ResolvedNames.alertsTopic`). */
  readonly name: string;
  /** Email subscribed to every alert (the address must confirm the subscription). @default no subscription */
  readonly email?: string;
  /**
   * Customer-managed key encrypting the topic. Without one the topic is not encrypted: CloudWatch
   * alarms and EventBridge cannot publish to a topic under the AWS-managed SNS key, and alerts carry
   * metric names and execution ids, not records.
   * @default not encrypted
   */
  readonly kmsKeyArn?: string;
}

/** The one SNS topic every alarm, the crawler-failure rule and failed batch runs notify. */
export class AlertsTopic extends Construct {
  public readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlertsTopicProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, "topic", { name: props.name, kmsMasterKeyId: props.kmsKeyArn });
    if (props.email) {
      new SnsTopicSubscription(this, "email", { topicArn: this.topic.arn, protocol: "email", endpoint: props.email });
    }
  }
}
