import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/**
 * The AWS APIs the task functions call from inside the VPC, each with the tasks that call it. The
 * database is reached in the VPC; logs and the traces Lambda records are sent by the Lambda service,
 * not through the function's network interfaces; Secrets Manager decrypts with KMS itself.
 */
export const TASK_ENDPOINTS = {
  /** every task reads the database secret (GetSecretValue) */
  secretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  /** the gate: SendTaskSuccess/Failure/Heartbeat for decisions sent to the gate function */
  stepFunctions: ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS,
  /** the gate, with `noticeTopic`: Publish of the gate notice */
  sns: ec2.InterfaceVpcEndpointAwsService.SNS,
} as const;

/** What {@link TaskEndpoints} are built from. */
export interface TaskEndpointsProps {
  readonly vpc: ec2.IVpc;
  /** Where the endpoints' network interfaces go: the task subnets. */
  readonly subnets?: ec2.SubnetSelection;
  /** The task functions' network access: let in on 443. */
  readonly tasks: ec2.IConnectable;
  /** With a notice topic the gate publishes to SNS. */
  readonly noticeTopic: boolean;
}

/**
 * Interface VPC endpoints (private DNS) for every AWS API the tasks call, for subnets without a NAT
 * route: Secrets Manager and Step Functions, and SNS when there is a notice topic. Each lets in the
 * task functions on 443 and nothing else.
 *
 * @see https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
 * @example
 * new TaskEndpoints(this, 'Endpoints', { vpc, subnets, tasks: orchestrator, noticeTopic: true });
 */
export class TaskEndpoints extends Construct {
  /** The endpoints, by the API they reach. */
  readonly endpoints: Partial<Record<keyof typeof TASK_ENDPOINTS, ec2.InterfaceVpcEndpoint>>;

  constructor(scope: Construct, id: string, props: TaskEndpointsProps) {
    super(scope, id);
    const wanted = (Object.keys(TASK_ENDPOINTS) as (keyof typeof TASK_ENDPOINTS)[]).filter(
      (name) => name !== 'sns' || props.noticeTopic,
    );
    const endpoints: Partial<Record<keyof typeof TASK_ENDPOINTS, ec2.InterfaceVpcEndpoint>> = {};
    for (const name of wanted) {
      const endpoint = new ec2.InterfaceVpcEndpoint(this, name, {
        vpc: props.vpc,
        service: TASK_ENDPOINTS[name],
        subnets: props.subnets,
        privateDnsEnabled: true,
        open: false,
      });
      endpoint.connections.allowDefaultPortFrom(props.tasks, 'zerodown task functions');
      endpoints[name] = endpoint;
    }
    this.endpoints = endpoints;
  }
}
