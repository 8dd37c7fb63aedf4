import { describe, expect, it } from 'vitest';
import {
  assertFieldContext,
  dataKeyAad,
  fieldAad,
  fieldAadFromPrefix,
  fieldAadOwnerPrefix,
  fieldAadWithRoom,
  type FieldContext,
} from './aad';
import { CryptoContextError } from './errors';

const field: FieldContext = {
  projectId: 'prj_1',
  tenantId: 'org_acme',
  recordType: 'connection',
  recordId: 'con_1',
  field: 'refreshToken',
};

/** Known-answer hex: a literal length prefix (kept literal on purpose) followed by UTF-8 text. */
const prefixed = (lengthHex: string, text: string) => lengthHex + Buffer.from(text, 'utf8').toString('hex');

describe(fieldAad.name, () => {
  it('keeps its byte encoding stable (stored ciphertexts depend on it)', () => {
    const expected = [
      prefixed('11', 'authpipe/field/v1'),
      prefixed('00000005', 'prj_1'),
      prefixed('01' + '00000008', 'org_acme'),
      prefixed('0000000a', 'connection'),
      prefixed('00000005', 'con_1'),
      prefixed('0000000c', 'refreshToken'),
    ].join('');
    expect(fieldAad(field).toString('hex')).toBe(expected);
    expect(fieldAad({ ...field, tenantId: null }).toString('hex')).toBe(
      expected.replace(`01000000086f72675f61636d65`, '00'),
    );
  });

  it('encodes non-ASCII ids by UTF-8 byte length, in the same layout as ASCII ones', () => {
    const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    const str = (v: string) => Buffer.concat([u32(Buffer.byteLength(v)), Buffer.from(v, 'utf8')]);
    const ctx = { ...field, tenantId: 'org_ä', recordId: 'con_€' };
    const expected = Buffer.concat([
      Buffer.from([17]),
      Buffer.from('authpipe/field/v1'),
      str('prj_1'),
      Buffer.from([1]),
      str('org_ä'),
      str('connection'),
      str('con_€'),
      str('refreshToken'),
    ]);
    expect(fieldAad(ctx).equals(expected)).toBe(true);
  });

  it('is deterministic for one context', () => {
    expect(fieldAad(field).equals(fieldAad({ ...field }))).toBe(true);
  });

  it.each([
    ['projectId', { projectId: 'prj_2' }],
    ['tenantId', { tenantId: 'org_other' }],
    ['tenantId null', { tenantId: null }],
    ['recordType', { recordType: 'installation' }],
    ['recordId', { recordId: 'con_2' }],
    ['field', { field: 'accessToken' }],
  ] as const)('changes when %s changes', (_name, change) => {
    expect(fieldAad({ ...field, ...change }).equals(fieldAad(field))).toBe(false);
  });

  it('does not let characters move between adjacent values', () => {
    const a = fieldAad({ ...field, recordType: 'ab', recordId: 'c' });
    const b = fieldAad({ ...field, recordType: 'a', recordId: 'bc' });
    expect(a.equals(b)).toBe(false);
  });

  it('tells a project-level context (tenantId null) from a tenant named "null"', () => {
    const project = fieldAad({ ...field, tenantId: null });
    const tenant = fieldAad({ ...field, tenantId: 'null' });
    expect(project.equals(tenant)).toBe(false);
  });

  it('encodes multi-byte UTF-8 ids with their byte length', () => {
    const aad = fieldAad({ ...field, recordId: 'ü€😀' });
    expect(aad.includes(Buffer.concat([Buffer.from([0, 0, 0, 9]), Buffer.from('ü€😀', 'utf8')]))).toBe(true);
    expect(aad.subarray(-16).equals(Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.from('refreshToken')]))).toBe(
      true,
    );
    expect(aad.equals(fieldAad({ ...field, recordId: 'ü€😁' }))).toBe(false);
  });

  it('rejects empty ids with a context error', () => {
    expect(() => fieldAad({ ...field, recordId: '' })).toThrow(CryptoContextError);
    expect(() => fieldAad({ ...field, tenantId: '' })).toThrow('tenantId must be a non-empty string');
  });
});

describe(fieldAadFromPrefix.name, () => {
  it.each([
    ['ASCII ids', {}],
    ['the project key', { tenantId: null }],
    ['a non-ASCII tenant', { tenantId: 'org_ä' }],
    ['a non-ASCII project', { projectId: 'prj_€' }],
    ['a non-ASCII record type', { recordType: 'verbindung_ü' }],
    ['a non-ASCII record id', { recordId: 'con_😀' }],
    ['a non-ASCII field', { field: 'jeton_é' }],
  ] as const)('gives exactly the bytes of fieldAadWithRoom for %s', (_case, change) => {
    const ctx = { ...field, ...change };
    const fast = fieldAadFromPrefix(fieldAadOwnerPrefix(ctx), 5, ctx);
    expect(fast.subarray(5).equals(fieldAadWithRoom(ctx, 5).subarray(5))).toBe(true);
    expect(fast.subarray(5).equals(fieldAad(ctx))).toBe(true);
  });
});

describe(assertFieldContext.name, () => {
  it('accepts a valid context and names the first bad field otherwise', () => {
    expect(() => assertFieldContext(field)).not.toThrow();
    expect(() => assertFieldContext({ ...field, tenantId: null })).not.toThrow();
    expect(() => assertFieldContext({ ...field, tenantId: '' })).toThrow('tenantId must be a non-empty string');
    expect(() => assertFieldContext({ ...field, field: '' })).toThrow('field must be a non-empty string');
  });
});

describe(dataKeyAad.name, () => {
  it('keeps its byte encoding stable (wrapped keys depend on it)', () => {
    const expected = [prefixed('14', 'authpipe/data-key/v1'), prefixed('00000005', 'prj_1'), '00', '00000007'].join('');
    expect(dataKeyAad({ projectId: 'prj_1', tenantId: null, dekVersion: 7 }).toString('hex')).toBe(expected);
  });

  it('changes with the DEK version and the owner', () => {
    const base = dataKeyAad({ projectId: 'prj_1', tenantId: 'org_acme', dekVersion: 1 });
    expect(base.equals(dataKeyAad({ projectId: 'prj_1', tenantId: 'org_acme', dekVersion: 2 }))).toBe(false);
    expect(base.equals(dataKeyAad({ projectId: 'prj_1', tenantId: null, dekVersion: 1 }))).toBe(false);
    expect(base.equals(dataKeyAad({ projectId: 'prj_2', tenantId: 'org_acme', dekVersion: 1 }))).toBe(false);
  });

  it('can never equal a field AAD because the domain tags differ', () => {
    const dek = dataKeyAad({ projectId: 'p', tenantId: null, dekVersion: 1 });
    const fld = fieldAad({ projectId: 'p', tenantId: null, recordType: 'r', recordId: 'i', field: 'f' });
    expect(dek.subarray(0, 21).toString('latin1')).toBe('\u0014authpipe/data-key/v1');
    expect(fld.subarray(0, 18).toString('latin1')).toBe('\u0011authpipe/field/v1');
  });

  it('rejects versions outside 1..2^32-1', () => {
    expect(() => dataKeyAad({ projectId: 'p', tenantId: null, dekVersion: 0 })).toThrow(CryptoContextError);
    expect(() => dataKeyAad({ projectId: 'p', tenantId: null, dekVersion: 2 ** 32 })).toThrow(CryptoContextError);
  });
});
