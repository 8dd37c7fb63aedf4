import fs from 'node:fs/promises';

/** Owner only: the data dir holds the embedded database, the master key file and the admin token. */
export const DATA_DIR_MODE = 0o700;
/** The umask the vault and the CLI run under: files and directories they create are the owner's only. */
export const BOOT_UMASK = 0o077;

/**
 * The data directory can be read or written by other local users (group or other permission
 * bits). Its embedded database holds project names, key hashes, ciphertexts and wrapped data
 * keys, so the vault refuses to start on it rather than serve from it.
 */
export class DataDirPermissionsError extends Error {
  readonly code = 'data_dir_permissions';

  constructor(
    readonly dataDir: string,
    readonly mode: number,
  ) {
    super(
      `The data directory ${dataDir} is readable or writable by other users (mode 0${mode.toString(8)}): ` +
        'its database files, keys and admin token would be exposed to every local account. ' +
        `Fix it with: chmod 700 ${dataDir} (and, to tighten the files inside too, chmod -R go-rwx ${dataDir}), ` +
        'then start again. The vault creates a new data directory with mode 0700.',
    );
    this.name = 'DataDirPermissionsError';
  }
}

/** Sets the process's restrictive umask (entry points only: a library must not change it). */
export function restrictUmask(): void {
  if (process.platform !== 'win32') process.umask(BOOT_UMASK);
}

/**
 * Creates the data directory with mode 0700 when it does not exist; refuses an existing one that
 * other users can read, write or enter (including a data directory made by an earlier version,
 * which left it 0755).
 *
 * @throws DataDirPermissionsError naming the directory and the `chmod 700` that fixes it.
 */
export async function secureDataDir(dataDir: string): Promise<void> {
  // Windows has no POSIX modes (stat reports 0o666 whatever the ACLs say).
  if (process.platform === 'win32') {
    await fs.mkdir(dataDir, { recursive: true });
    return;
  }
  const created = await fs.mkdir(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  if (created !== undefined) {
    // mkdir's mode is masked by the umask (which can only remove bits): make sure of 0700.
    await fs.chmod(dataDir, DATA_DIR_MODE);
    return;
  }
  const { mode } = await fs.stat(dataDir);
  if ((mode & 0o077) !== 0) throw new DataDirPermissionsError(dataDir, mode & 0o777);
}
