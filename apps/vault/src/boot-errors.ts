import { MasterKeyConfigError } from '@authpipe/crypto';
import { EmbeddedDatabaseBusyError } from './admin/embedded-database';
import { PortsInUseError } from './boot-ports';
import { ConfigValidationError } from './config/config.schema';
import { DataDirPermissionsError } from './config/data-dir';
import { MigrationError } from './database/migrator';
import { KeysError } from './keys/keys.errors';

/**
 * A one-paragraph explanation of why the vault or the CLI could not start. Known failures
 * carry messages written for operators (they name variables, files and versions, never
 * values); anything else is shown by name and message only.
 */
export function describeBootError(error: unknown): string {
  if (
    error instanceof ConfigValidationError ||
    error instanceof KeysError ||
    error instanceof MasterKeyConfigError ||
    error instanceof EmbeddedDatabaseBusyError ||
    error instanceof DataDirPermissionsError ||
    error instanceof MigrationError ||
    error instanceof PortsInUseError
  ) {
    return `authpipe: ${error.message}`;
  }
  if (error instanceof Error) return `authpipe: failed to start: ${error.name}: ${error.message}`;
  return 'authpipe: failed to start';
}
