import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dataKeyAad } from './aad';
import { CryptoIntegrityError, MasterKeyConfigError, UnknownMasterKeyVersionError } from './errors';
import { readKeyVersion } from './format';
import { LocalKeyProvider, MasterKeyring } from './master-keys';

const k = (fill: number): string => Buffer.alloc(32, fill).toString('base64');
const K3 = k(3);
const K2 = k(2);
const K1 = k(1);

function configError(value: string): MasterKeyConfigError {
  try {
    MasterKeyring.parse(value);
  } catch (error) {
    if (error instanceof MasterKeyConfigError) return error;
    throw error;
  }
  throw new Error('expected a MasterKeyConfigError');
}

describe(MasterKeyring.name, () => {
  describe('key memory', () => {
    it("keeps every key in an allocation of its own, never in Node's shared Buffer pool", () => {
      const parsed = MasterKeyring.parse(`2:${K2},1:${K1}`);
      const built = new MasterKeyring([{ version: 3, key: Buffer.from(K3, 'base64') }]);
      for (const key of [parsed.key(2), parsed.key(1), built.key(3)]) {
        expect(key.byteOffset).toBe(0);
        expect(key.buffer.byteLength).toBe(32);
      }
    });

    it('destroy() overwrites the keys, and a provider destroys its keyring', () => {
      const ring = MasterKeyring.parse(`1:${K1}`);
      const key = ring.key(1);
      new LocalKeyProvider(ring).destroy();
      expect(key.equals(Buffer.alloc(32))).toBe(true);
    });
  });

  describe('parse', () => {
    it('reads a newest-first list and makes the first version current', () => {
      const ring = MasterKeyring.parse(` 3:${K3}, 2:${K2} ,1:${K1} `);
      expect(ring.currentVersion).toBe(3);
      expect(ring.versions()).toEqual([3, 2, 1]);
      expect(ring.key(2).equals(Buffer.alloc(32, 2))).toBe(true);
    });

    it.each([
      ['an empty value', '  ', /no master keys are configured/],
      ['an empty entry', `2:${K2},,1:${K1}`, /entry 2 is empty/],
      ['a missing version prefix', K1, /entry 1 is not in the form <version>:<base64 key>/],
      ['a non-integer version', `1.5:${K1}`, /entry 1: version is not an integer/],
      ['version 0', `0:${K1}`, /entry 1: version is not an integer in 1\.\.4294967295/],
      ['bad base64', `1:${K1.slice(0, -2)}!=`, /entry 1 \(version 1\): key is not valid standard base64/],
      ['a 16-byte key', `1:${Buffer.alloc(16, 1).toString('base64')}`, /key decodes to 16 bytes, expected 32/],
      ['a duplicate version', `2:${K2},2:${K1}`, /version 2 appears more than once/],
      ['an oldest-first list', `1:${K1},2:${K2}`, /versions must be listed newest first \(descending\), got 1,2/],
    ])('rejects %s with a message saying what is wrong', (_case, value, message) => {
      const error = configError(value);
      expect(error.message).toMatch(message);
      expect(error.message).toContain('AUTHPIPE_MASTER_KEYS');
      expect(error.code).toBe('master_key_config');
    });

    it('lists every bad entry in one error', () => {
      const error = configError(`x:${K3},2:short,1:${K1}`);
      expect(error.problems).toHaveLength(2);
    });

    it('never echoes key material in its errors', () => {
      const canary = Buffer.from('CANARY-KEY-MATERIAL-0123456789!!').toString('base64');
      const inputs = [`1:${canary}x`, `1:${canary},1:${canary}`, `1:${canary},2:${canary}`, `${canary}`, `a:${canary}`];
      for (const input of inputs) {
        const error = configError(input);
        expect(error.message).not.toContain(canary);
        expect(error.message).not.toContain(canary.slice(0, 12));
      }
    });
  });

  it('prints and serialises to its versions only', () => {
    const ring = MasterKeyring.parse(`2:${K2},1:${K1}`);
    expect(inspect(ring)).toBe('MasterKeyring { versions: [2, 1] }');
    expect(JSON.stringify({ ring })).toBe('{"ring":{"versions":[2,1]}}');
  });

  it('exports the list in the env format so it can be parsed back', () => {
    const ring = MasterKeyring.generate(5);
    const again = MasterKeyring.parse(ring.exportSecret());
    expect(again.versions()).toEqual([5]);
    expect(again.key(5).equals(ring.key(5))).toBe(true);
  });

  it('throws UnknownMasterKeyVersionError for a version it does not hold', () => {
    expect(() => MasterKeyring.parse(`1:${K1}`).key(2)).toThrow(UnknownMasterKeyVersionError);
  });
});

describe(LocalKeyProvider.name, () => {
  const dek = Buffer.alloc(32, 0xd3);
  const aad = dataKeyAad({ projectId: 'prj', tenantId: 'org_acme', dekVersion: 1 });

  it('wraps with the current master key and records its version in the blob', async () => {
    const provider = new LocalKeyProvider(MasterKeyring.parse(`3:${K3},2:${K2}`));
    const wrapped = await provider.wrap(dek, aad);
    expect(readKeyVersion(wrapped)).toBe(3);
    expect((await provider.unwrap(wrapped, aad)).equals(dek)).toBe(true);
  });

  it('unwraps blobs of an older version still in the ring', async () => {
    const old = await new LocalKeyProvider(MasterKeyring.parse(`2:${K2}`)).wrap(dek, aad);
    const rotated = new LocalKeyProvider(MasterKeyring.parse(`3:${K3},2:${K2}`));
    expect((await rotated.unwrap(old, aad)).equals(dek)).toBe(true);
  });

  it('throws UnknownMasterKeyVersionError when the blob names a version that is gone', async () => {
    const old = await new LocalKeyProvider(MasterKeyring.parse(`1:${K1}`)).wrap(dek, aad);
    const provider = new LocalKeyProvider(MasterKeyring.parse(`3:${K3},2:${K2}`));
    await expect(provider.unwrap(old, aad)).rejects.toThrow(UnknownMasterKeyVersionError);
  });

  it('fails with an integrity error under a wrong key of the same version', async () => {
    const wrapped = await new LocalKeyProvider(MasterKeyring.parse(`1:${K1}`)).wrap(dek, aad);
    const impostor = new LocalKeyProvider(MasterKeyring.parse(`1:${K2}`));
    await expect(impostor.unwrap(wrapped, aad)).rejects.toThrow(CryptoIntegrityError);
  });

  it('fails with an integrity error when the AAD names another owner or DEK version', async () => {
    const provider = new LocalKeyProvider(MasterKeyring.parse(`1:${K1}`));
    const wrapped = await provider.wrap(dek, aad);
    const otherVersion = dataKeyAad({ projectId: 'prj', tenantId: 'org_acme', dekVersion: 2 });
    const otherTenant = dataKeyAad({ projectId: 'prj', tenantId: 'org_evil', dekVersion: 1 });
    await expect(provider.unwrap(wrapped, otherVersion)).rejects.toThrow(CryptoIntegrityError);
    await expect(provider.unwrap(wrapped, otherTenant)).rejects.toThrow(CryptoIntegrityError);
  });
});
