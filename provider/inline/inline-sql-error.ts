/**
 * An error the inline backend raises itself where a procedure would `RAISE`: the same SQLSTATE in `code` and the same
 * message text, so the provider front maps both backends' failures alike.
 */
export class InlineSqlError extends Error {
  override readonly name = 'InlineSqlError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function invalidLockToken(): InlineSqlError {
  return new InlineSqlError('DXL01', 'Invalid lock token');
}

export function expiredLockToken(): InlineSqlError {
  return new InlineSqlError('DXL02', 'Invalid lock token: the lock expired');
}
