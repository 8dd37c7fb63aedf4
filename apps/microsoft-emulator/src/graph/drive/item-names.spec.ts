import { describe, expect, it } from 'vitest';
import { assertValidItemName, freeNameFor, mimeTypeFor } from './item-names';

describe('item names', () => {
  describe(assertValidItemName.name, () => {
    it.each(['a:b.txt', 'what?', ' lead', 'trail ', '', 'CON', '.lock', '~$draft.docx', 'x'.repeat(256)])(
      'refuses %j with 400 invalidRequest',
      (name) => {
        expect(() => assertValidItemName(name)).toThrow(
          expect.objectContaining({ status: 400, code: 'invalidRequest' }),
        );
      },
    );

    it('accepts ordinary names with spaces, dots and unicode', () => {
      expect(() => assertValidItemName('Q3 plan (final) – ü.v2.txt')).not.toThrow();
    });
  });

  describe(freeNameFor.name, () => {
    it('keeps a free name', () => {
      expect(freeNameFor('plan.txt', 'file', new Set(['other.txt']))).toBe('plan.txt');
    });

    it('numbers a file before its extension, skipping numbers already taken, case-insensitively', () => {
      expect(freeNameFor('Plan.txt', 'file', new Set(['plan.txt', 'plan 1.txt']))).toBe('Plan 2.txt');
    });

    it('numbers a folder after its whole name, dots included', () => {
      expect(freeNameFor('v1.2', 'folder', new Set(['v1.2']))).toBe('v1.2 1');
    });
  });

  describe(mimeTypeFor.name, () => {
    it('derives the type from the extension and falls back to octet-stream', () => {
      expect(mimeTypeFor('Report.DOCX')).toBe(
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      );
      expect(mimeTypeFor('notes.txt')).toBe('text/plain');
      expect(mimeTypeFor('blob')).toBe('application/octet-stream');
    });
  });
});
