import { timingSafeEqual, createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { randomToken, type Random } from '../common/random';

/**
 * How a CLI reaches a running vault that holds the embedded database: the server writes a
 * random admin token to `<dataDir>/admin.token` and its URL and pid to `<dataDir>/admin.json`,
 * both mode 0600 so only the same OS user (who could read the database files anyway) can
 * use them. They are removed on shutdown and replaced at every boot.
 */
export const ADMIN_TOKEN_FILE = 'admin.token';
export const ADMIN_ENDPOINT_FILE = 'admin.json';

/** A running vault's admin endpoint as the CLI finds it. */
export interface AdminEndpoint {
  url: string;
  pid: number;
  token: string;
}

const endpointSchema = z.object({ url: z.url(), pid: z.number().int().positive() });

/** A fresh admin token, written to `<dataDir>/admin.token` (0600). */
export async function writeAdminToken(dataDir: string, random: Random): Promise<string> {
  const token = randomToken(random, 32);
  await fs.mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  await fs.rm(file, { force: true });
  await fs.writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return token;
}

/** Records where the server listens, once it does. */
export async function writeAdminEndpoint(dataDir: string, url: string): Promise<void> {
  const file = path.join(dataDir, ADMIN_ENDPOINT_FILE);
  await fs.rm(file, { force: true });
  await fs.writeFile(file, `${JSON.stringify({ url, pid: process.pid })}\n`, { mode: 0o600, flag: 'wx' });
}

/** Removes both files (server shutdown). */
export async function removeAdminFiles(dataDir: string): Promise<void> {
  await Promise.all([ADMIN_TOKEN_FILE, ADMIN_ENDPOINT_FILE].map((f) => fs.rm(path.join(dataDir, f), { force: true })));
}

/** The admin endpoint of the vault running on `dataDir`, or null when it published none. */
export async function readAdminEndpoint(dataDir: string): Promise<AdminEndpoint | null> {
  try {
    const [token, endpoint] = await Promise.all([
      fs.readFile(path.join(dataDir, ADMIN_TOKEN_FILE), 'utf8'),
      fs.readFile(path.join(dataDir, ADMIN_ENDPOINT_FILE), 'utf8'),
    ]);
    const parsed = endpointSchema.safeParse(JSON.parse(endpoint));
    const trimmed = token.trim();
    return parsed.success && trimmed.length > 0 ? { ...parsed.data, token: trimmed } : null;
  } catch {
    return null;
  }
}

/** Constant-time check of a presented admin token (hashing first evens out the lengths). */
export function adminTokenMatches(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
