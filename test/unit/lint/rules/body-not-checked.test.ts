import { bodyNotChecked } from '../../../../core/lint/rules/body-not-checked.ts';
import { describeRule } from '../cases.ts';

describeRule(bodyNotChecked, {
  unsafe: [
    {
      sql: "DO $$\nBEGIN\n  EXECUTE 'ALTER TABLE ' || 'orders' || ' ADD COLUMN n int';\nEND $$;",
      message: /EXECUTE of a string built at run time \(line 3 of the block\)/,
    },
    {
      sql: 'CREATE PROCEDURE fix_totals() LANGUAGE plpgsql AS $$ BEGIN UPDATE orders SET total = 0; END $$;\nCALL fix_totals();',
      message: /procedure fix_totals\(\) runs in this migration \(called at line 2\)/,
    },
    {
      sql: 'CREATE FUNCTION seed() RETURNS void LANGUAGE sql AS $$ UPDATE orders SET n = 1 $$;\nSELECT seed();',
      message: /function seed\(\)/,
    },
  ],
  safe: [
    { sql: 'DO $$ BEGIN UPDATE settings SET value = 1 WHERE key = 1; END $$;' },
    { sql: 'CREATE FUNCTION total(o bigint) RETURNS bigint STABLE LANGUAGE sql AS $$ SELECT o $$;' },
  ],
});
