import { describe, expect, it } from 'vitest';
import { FaultInjector } from './faults';

describe(FaultInjector.name, () => {
  describe('take', () => {
    it('fires a counted rule for the next N matching paths and then forgets it', () => {
      const faults = new FaultInjector();
      faults.add({ kind: 'status', status: 503, pathPrefix: '/common/', count: 2 });
      expect(faults.take('/other')).toBeNull();
      expect(faults.take('/common/oauth2/v2.0/token')?.status).toBe(503);
      expect(faults.take('/common/x')?.status).toBe(503);
      expect(faults.take('/common/x')).toBeNull();
      expect(faults.list()).toEqual([]);
    });

    it('fires a fraction rule when the random draw falls under it, and keeps it', () => {
      const draws = [0.1, 0.9];
      const faults = new FaultInjector(() => draws.shift() ?? 1);
      faults.add({ kind: 'drop', fraction: 0.5 });
      expect(faults.take('/v1.0/me')?.kind).toBe('drop');
      expect(faults.take('/v1.0/me')).toBeNull();
      expect(faults.list()).toHaveLength(1);
    });
  });

  describe('add', () => {
    it('refuses a status fault without a status and a rule with both count and fraction', () => {
      const faults = new FaultInjector();
      expect(() => faults.add({ kind: 'status' })).toThrow();
      expect(() => faults.add({ kind: 'drop', count: 1, fraction: 0.5 })).toThrow();
    });
  });
});
