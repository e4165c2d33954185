import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ExampleStack } from '../../infra/app.ts';
import { MigrationOrchestrator } from '../../infra/orchestrator.ts';
import { type Json, testApp } from './synth.ts';

/** Runs cdk-nag's AwsSolutions pack on an app and returns every unacknowledged finding. */
function nagFindings(app: App): string[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (error) {
    if (!/Validation ?failed/i.test(`${(error as Error).name} ${(error as Error).message}`)) throw error;
  }
  const reportFile = join(app.outdir, 'validation-report.json');
  if (!existsSync(reportFile)) return [];
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  return report.pluginReports.flatMap((plugin: Json) =>
    plugin.violations.flatMap((v: Json) =>
      v.violatingConstructs.map((c: Json) => `${v.ruleName} (${v.severity}) at ${c.constructPath}`),
    ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('passes on the example stack (VPC, RDS, encrypted topic, schedule, orchestrator)', () => {
    // GIVEN the example app WHEN the AwsSolutions pack checks it THEN nothing is left unacknowledged
    const app = testApp();
    new ExampleStack(app, 'ZerodownExample');
    expect(nagFindings(app)).toEqual([]);
  });

  it('passes on the bare construct: imported secret, inline Map, VPC endpoints, no topic, no schedule', () => {
    const app = testApp();
    const stack = new Stack(app, 'Bare');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    Validations.of(vpc).acknowledge({
      id: 'AwsSolutions-VPC7',
      reason: 'test VPC, not part of the construct',
    });
    new MigrationOrchestrator(stack, 'Migrations', {
      vpc,
      databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db-AbCdEf',
      backfillMap: 'inline',
      vpcEndpoints: true,
    });
    expect(nagFindings(app)).toEqual([]);
  });

  it('reports what is not acknowledged (the check is live)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Unsafe');
    new ec2.Vpc(stack, 'Vpc');
    expect(nagFindings(app)).toContain('AwsSolutions-VPC7 (error) at Unsafe/Vpc/Resource');
  });
});
