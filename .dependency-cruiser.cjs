/**
 * The layering of DESIGN.md, checked by `npm run lint:layers` (part of `npm test`): data flows one way,
 * files -> plan -> workflow input -> tasks (lambdas/ or the local runner in cli/) -> core -> PostgreSQL.
 * `core/` is the engine and knows nothing of AWS or of who calls it; `lambdas/` are the tasks and know
 * nothing of the CLI or the construct; `cli/` and `infra/` may import both.
 *
 * @see https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-aws',
      severity: 'error',
      comment:
        'core/ is the engine and runs anywhere: no AWS SDK, CDK or constructs. Put AWS code in lambdas/aws/ (or cli/aws/) behind an interface core defines, as GateResumer does.',
      from: { path: '^core/' },
      to: { path: ['(^|/)node_modules/(@aws-sdk/|aws-cdk-lib/|constructs/|@aws-lambda-powertools/)'] },
    },
    {
      name: 'core-imports-no-caller',
      severity: 'error',
      comment: 'core/ is called by lambdas/, cli/ and infra/, never the other way round.',
      from: { path: '^core/' },
      to: { path: '^(lambdas|cli|infra)/' },
    },
    {
      name: 'lambdas-import-no-cli-or-infra',
      severity: 'error',
      comment:
        'lambdas/ are the workflow tasks; the CLI and the construct import them, not the other way round.',
      from: { path: '^lambdas/' },
      to: { path: '^(cli|infra)/' },
    },
    {
      name: 'lock-retry-only-through-the-guard',
      severity: 'error',
      comment:
        'Statements that take locks go through the guarded handle (core/db/guarded.ts: guard(), db.transaction, db.outsideTransaction), not a retry loop of their own.',
      from: { path: '^(core|lambdas|cli|infra|bench)/', pathNot: '^core/db/' },
      to: { path: '^core/db/lock-retry\\.ts$' },
    },
    {
      name: 'engine-parts-import-no-runner',
      severity: 'error',
      comment:
        'core/runner/ applies phases with the backfill, detached-statement, state and db modules; those never import the runner back.',
      from: { path: '^core/(backfill|detached|db|state|locks|gates|migrations|sql|plan|versions)/' },
      to: { path: '^core/runner/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other cannot be read or changed one at a time.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: '^(cdk\\.out|dist|test/fixtures/consumer-app)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
