// The layout the README's map describes: the feature folders of apps/vault/src import one
// another one way only (no two folders, directly or through others, import each other), and
// common/ imports no feature. Read from the source's own relative imports, as text.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = __dirname;
const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)'/g;

const isFolder = (name: string): boolean =>
  fs.existsSync(path.join(SRC, name)) && fs.statSync(path.join(SRC, name)).isDirectory();

/** Folder → the folders its non-spec files import (files at the top level are left out). */
function folderImports(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        const from = path.relative(SRC, file).split(path.sep)[0];
        if (from === entry.name) continue;
        for (const [, target] of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
          const to = path.relative(SRC, path.resolve(dir, target)).split(path.sep)[0];
          if (to !== from && !to.startsWith('..') && isFolder(to)) {
            if (!edges.has(from)) edges.set(from, new Set());
            edges.get(from)!.add(to);
          }
        }
      }
    }
  };
  walk(SRC);
  return edges;
}

/** One path of imports that leads from a folder back to itself, or null. */
function findCycle(edges: Map<string, Set<string>>): string[] | null {
  const done = new Set<string>();
  const visit = (folder: string, trail: string[]): string[] | null => {
    const seen = trail.indexOf(folder);
    if (seen !== -1) return [...trail.slice(seen), folder];
    if (done.has(folder)) return null;
    for (const next of edges.get(folder) ?? []) {
      const cycle = visit(next, [...trail, folder]);
      if (cycle) return cycle;
    }
    done.add(folder);
    return null;
  };
  for (const folder of edges.keys()) {
    const cycle = visit(folder, []);
    if (cycle) return cycle;
  }
  return null;
}

describe('apps/vault/src layout', () => {
  const edges = folderImports();

  it('reads the imports it checks', () => {
    expect(edges.get('refresh')).toContain('credentials');
    expect(
      findCycle(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['a'])],
        ]),
      ),
    ).toEqual(['a', 'b', 'a']);
  });

  it('has no import cycle between folders', () => {
    expect(findCycle(edges)).toBeNull();
  });

  it('keeps common/ a leaf', () => {
    expect([...(edges.get('common') ?? [])]).toEqual([]);
  });
});
