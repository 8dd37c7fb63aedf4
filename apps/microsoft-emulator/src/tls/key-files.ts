import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Reads a set of PEM files from `dir`, or makes them with `create` and writes them (private keys
 * 0600) so the next start keeps the same CA and keys. A null `dir` keeps everything in memory.
 */
export async function loadOrCreate<T extends Record<string, string>>(
  dir: string | null,
  names: { [K in keyof T]: string },
  create: () => Promise<T>,
  isUsable: (loaded: T) => boolean = () => true,
): Promise<T> {
  if (dir !== null) {
    const loaded = await readAll(dir, names);
    if (loaded && isUsable(loaded)) return loaded;
  }
  const created = await create();
  if (dir !== null) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const key of Object.keys(names) as (keyof T)[]) {
      const file = path.join(dir, names[key]);
      await writeFile(file, created[key], { mode: /key/i.test(names[key]) ? 0o600 : 0o644 });
    }
  }
  return created;
}

async function readAll<T extends Record<string, string>>(
  dir: string,
  names: { [K in keyof T]: string },
): Promise<T | null> {
  const result: Record<string, string> = {};
  for (const key of Object.keys(names)) {
    try {
      result[key] = await readFile(path.join(dir, names[key]), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
  return result as T;
}
