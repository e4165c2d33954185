/**
 * PostgreSQL's table lock modes, weakest first (the order of the conflict table in the manual); a LOCK
 * TABLE statement's mode number (lockdefs.h) is its index + 1.
 */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];
