import { describe, expect, it } from 'vitest';
import { MasterKeyMismatchError, MasterKeyMissingError, SecretScopeConflictError } from './keys.errors';

describe(MasterKeyMismatchError.name, () => {
  it('names missing and wrong versions separately, with the configured ones, and has a stable code', () => {
    const error = new MasterKeyMismatchError([1], [3], [3, 2]);
    expect(error.code).toBe('master_key_mismatch');
    expect(error.name).toBe('MasterKeyMismatchError');
    expect(error.message).toContain('configured versions: 3, 2');
    expect(error.message).toContain('version(s) 1 are used by stored data keys but not configured');
    expect(error.message).toContain('key of version(s) 3 does not open');
  });

  it('says "none" when no version is configured', () => {
    expect(new MasterKeyMismatchError([1], [], []).message).toContain('configured versions: none');
  });
});

describe(MasterKeyMissingError.name, () => {
  it('tells the operator both ways to provide a key', () => {
    const error = new MasterKeyMissingError('AUTHPIPE_MASTER_KEYS', '/srv/authpipe/master.key');
    expect(error.code).toBe('master_key_missing');
    expect(error.message).toMatch(/set AUTHPIPE_MASTER_KEYS .* or provide the key file \/srv\/authpipe\/master\.key/);
  });
});

describe(SecretScopeConflictError.name, () => {
  it('names the record but not whose it is', () => {
    const error = new SecretScopeConflictError('connection', 'con_1', 'refreshToken');
    expect(error.code).toBe('secret_scope_conflict');
    expect(error.message).toBe('Secret connection/con_1/refreshToken belongs to another project or tenant');
  });
});
