import { CommanderError } from 'commander';
import { ZodError } from 'zod';
import { ApiError } from '../common/api-error';
import { describeBootError } from '../boot-errors';
import { EmbeddedDatabaseBusyError } from '../admin/embedded-database';
import { ConfigValidationError } from '../config/config.schema';
import { KeysError } from '../keys/keys.errors';
import { AdminApiError } from './admin-client';
import { EXIT, UsageError, type CliFailure } from './cli-output';

// Loaded only when a command failed: the error classes below pull in most of the vault.

/** Classifies anything a command threw. Messages never hold key material (see each error's source). */
export function toFailure(error: unknown): CliFailure {
  if (error instanceof UsageError) return { code: 'invalid_arguments', message: error.message, exitCode: EXIT.usage };
  if (error instanceof CommanderError)
    return { code: 'invalid_arguments', message: error.message.replace(/^error: /, ''), exitCode: EXIT.usage };
  if (error instanceof ZodError) {
    const message = error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; ');
    return { code: 'invalid_arguments', message, exitCode: EXIT.usage };
  }
  if (error instanceof ApiError) {
    return {
      code: error.code,
      message: error.message,
      exitCode: error.code === 'invalid_request' ? EXIT.usage : EXIT.failure,
    };
  }
  if (error instanceof AdminApiError) {
    // The vault's answer: 400 and 422 are the caller's arguments, the rest a runtime failure.
    return {
      code: error.code,
      message: error.message,
      exitCode: error.status === 400 || error.status === 422 ? EXIT.usage : EXIT.failure,
    };
  }
  if (error instanceof ConfigValidationError)
    return { code: 'invalid_config', message: error.message, exitCode: EXIT.failure };
  if (error instanceof EmbeddedDatabaseBusyError || error instanceof KeysError) {
    return { code: error.code, message: error.message, exitCode: EXIT.failure };
  }
  return {
    code: 'internal_error',
    message: describeBootError(error).replace(/^authpipe: /, ''),
    exitCode: EXIT.failure,
  };
}
