import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MasterKeyConfigError } from './errors';
import { MasterKeyring } from './master-keys';

/** Result of {@link loadOrCreateMasterKeyFile}. */
export interface MasterKeyFileResult {
  keyring: MasterKeyring;
  /** True when this call generated the file; the caller should log a loud warning (back it up!). */
  created: boolean;
  path: string;
}

/** Options for {@link loadOrCreateMasterKeyFile}. */
export interface MasterKeyFileOptions {
  /** Randomness for a new key; injected by tests. */
  randomBytes?: (size: number) => Buffer;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
const GROUP_OR_OTHER = 0o077;
// Windows has no POSIX modes; fs.stat reports 0o666 there whatever the ACLs say.
const CHECK_PERMISSIONS = process.platform !== 'win32';

/**
 * Loads the master key file (same format as `AUTHPIPE_MASTER_KEYS`, newest first), or creates it with
 * one random version-1 key when it does not exist: parent directory 0700, file 0600.
 *
 * Creation is atomic and race-safe: the key is written and fsynced to a private temporary file that is
 * then hard-linked into place, so two processes starting together end up with the same key, and a crash
 * never leaves a half-written key file.
 *
 * Decision: an existing file that group or others may read or write is REFUSED (like ssh with private
 * keys) rather than used with a warning, because its key may already have leaked; fix it with
 * `chmod 600 <path>`. The library never logs; `created` tells the caller to warn.
 *
 * @throws MasterKeyConfigError naming the path and the fault (bad permissions, not a file, bad
 *   contents), never the key.
 */
export async function loadOrCreateMasterKeyFile(
  path: string,
  options: MasterKeyFileOptions = {},
): Promise<MasterKeyFileResult> {
  const existing = await readKeyFile(path);
  if (existing !== null) return { keyring: existing, created: false, path };

  await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
  const keyring = MasterKeyring.generate(1, options.randomBytes ?? randomBytes);
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let created = false;
  try {
    const handle = await open(temporary, 'wx', FILE_MODE);
    try {
      await handle.writeFile(`${keyring.exportSecret()}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temporary, path);
      created = true;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  if (created) return { keyring, created: true, path };

  // Another process won the race: use its key, not ours.
  keyring.destroy();
  const winner = await readKeyFile(path);
  if (winner === null) throw new MasterKeyConfigError(path, ['the key file disappeared while it was being created']);
  return { keyring: winner, created: false, path };
}

async function readKeyFile(path: string): Promise<MasterKeyring | null> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  }
  if (!info.isFile()) throw new MasterKeyConfigError(path, ['the path exists but is not a regular file']);
  if (CHECK_PERMISSIONS && (info.mode & GROUP_OR_OTHER) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw new MasterKeyConfigError(path, [
      `file mode is ${mode}; a master key file must not be accessible by group or others (run: chmod 600 ${path})`,
    ]);
  }
  const contents = await readFile(path, 'utf8');
  return MasterKeyring.parse(contents, path);
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
