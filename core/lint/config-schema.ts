/** The schema of the `lint` section of `zerodown.config.json`, loaded only when a project has one. */
import { z } from 'zod';
import { LINT_RULES } from './rules/index.ts';

/** Engine findings a project may tune besides the rules (the others always apply). */
export const TUNABLE_FINDINGS = ['unused-ignore'] as const;

const level = z.enum(['off', 'warning', 'error']);
const known = new Set<string>([...LINT_RULES.map((r) => r.id), ...TUNABLE_FINDINGS]);

/** The `lint` section of `zerodown.config.json`. */
export const LintConfigSchema = z
  .object({
    rules: z
      .record(
        z.string(),
        z.union([level, z.object({ expand: level.optional(), contract: level.optional() }).strict()]),
      )
      .optional()
      .superRefine((rules, ctx) => {
        for (const id of Object.keys(rules ?? {})) {
          if (!known.has(id)) {
            ctx.addIssue({
              code: 'custom',
              path: [id],
              message: `unknown rule "${id}"; see docs/lint-rules.md`,
            });
          }
        }
      }),
    pgVersion: z.number().int().min(9).max(30).optional(),
    ignore: z
      .array(
        z
          .object({
            rule: z.string().refine((r) => r === '*' || known.has(r), 'unknown rule; use a rule id or "*"'),
            files: z.string().min(1),
            reason: z.string().trim().min(1, 'say why these findings are safe to ignore'),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();
