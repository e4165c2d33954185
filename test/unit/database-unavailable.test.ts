import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../core/db/connection.ts';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it('takes a session the server ended, a server starting or unreachable, for a database gone away', () => {
    expect(
      isDatabaseUnavailable(pgError('57P01', 'terminating connection due to administrator command')),
    ).toBe(true);
    expect(isDatabaseUnavailable(pgError('57P02'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('57P03', 'the database system is starting up'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('08006'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated due to connection timeout'))).toBe(true);
    expect(
      isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable')),
    ).toBe(true);
    // as zerodown's connect wraps it: the socket error is the cause
    const refused = new Error('cannot connect to postgres://…: connect ECONNREFUSED 127.0.0.1:5432', {
      cause: pgError('ECONNREFUSED'),
    });
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(isDatabaseUnavailable(new Error('migration failed', { cause: refused }))).toBe(true);
  });

  it('does not take what a retry cannot mend: a wrong password, an unknown database, a bad statement', () => {
    expect(isDatabaseUnavailable(pgError('28P01', 'password authentication failed'))).toBe(false);
    expect(isDatabaseUnavailable(pgError('3D000', 'database "nope" does not exist'))).toBe(false);
    expect(isDatabaseUnavailable(pgError('42703', 'column "usernam" does not exist'))).toBe(false);
    expect(isDatabaseUnavailable(pgError('55P03', 'canceling statement due to lock timeout'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    // zerodown closed it itself: a bug to see, not a database to wait for
    expect(isDatabaseUnavailable(new Error('Client was closed and is not queryable'))).toBe(false);
  });
});
