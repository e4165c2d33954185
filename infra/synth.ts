import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildExampleApp } from './app.ts';

// `npx cdk synth` (cdk.json) runs this: the example app, bundled by the local esbuild, checked by cdk-nag
const app = buildExampleApp();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
