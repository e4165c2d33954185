import { strings } from '../ast.ts';
import { calledFunctions, uncheckedParts } from '../bodies.ts';
import type { LintRule } from '../types.ts';

/** Parts of a DO block, or a function the migration calls, that zerodown could not read. */
export const bodyNotChecked: LintRule = {
  id: 'body-not-checked',
  title: 'DO block or called function whose body zerodown does not check',
  severity: { expand: 'warning', contract: 'warning' },
  why: 'zerodown reads the SQL statements inside a DO block with the PL/pgSQL parser and lints them like the others. What it cannot read it says so instead of passing it silently: EXECUTE of a string built at run time, statements that use PL/pgSQL variables, a language other than PL/pgSQL, and the body of a function or procedure that the migration creates and then calls (its statements run in the migration too).',
  hint: 'ALTER TABLE orders ADD COLUMN note text; -- write the statement itself in the migration, where zerodown checks it',
  examples: {
    unsafe: {
      phase: 'expand',
      sql: "DO $$ BEGIN EXECUTE 'ALTER TABLE orders ADD COLUMN note text'; END $$;",
    },
    safe: { phase: 'expand', sql: 'DO $$ BEGIN ALTER TABLE orders ADD COLUMN note text; END $$;' },
  },
  check(statement, context) {
    if (statement.node.DoStmt) {
      const parts = uncheckedParts(statement);
      if (parts.length === 0) return [];
      return [{ message: `not checked in this DO block: ${parts.join('; ')}` }];
    }
    const create = statement.node.CreateFunctionStmt;
    if (!create) return [];
    const name = strings(create.funcname).join('.');
    const later = context.statements.slice(context.index + 1);
    const call = later.find((s) => calledFunctions(s.node).has(name));
    if (!call) return [];
    return [
      {
        message: `${create.is_procedure ? 'procedure' : 'function'} ${name}() runs in this migration (called at line ${call.line}), and zerodown does not check the statements in its body`,
        hint: '-- write the statements of the body in the migration itself, where zerodown checks them',
      },
    ];
  },
};
