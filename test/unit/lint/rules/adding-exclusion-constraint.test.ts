import { addingExclusionConstraint } from '../../../../core/lint/rules/adding-exclusion-constraint.ts';
import { describeRule } from '../cases.ts';

describeRule(addingExclusionConstraint, {
  unsafe: [
    { sql: 'ALTER TABLE bookings ADD EXCLUDE USING gist (during WITH &&);', message: /cannot be NOT VALID/ },
    {
      sql: 'ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&);',
      phase: 'contract',
      message: /no_overlap/,
    },
  ],
  safe: [
    { sql: 'CREATE TABLE bookings (during tstzrange, EXCLUDE USING gist (during WITH &&));' },
    {
      sql: 'CREATE TABLE bookings (during tstzrange);\nALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&);',
    },
  ],
});
