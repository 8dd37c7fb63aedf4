import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EmbeddedDatabaseBusyError } from '../admin/embedded-database';
import { ApiError } from '../common/api-error';
import { ConfigValidationError } from '../config/config.schema';
import { TenantNotFoundError } from '../keys/keys.errors';
import { toFailure } from './cli-failure';
import { EXIT, UsageError, table } from './cli-output';

describe(toFailure.name, () => {
  it.each([
    ['a usage error', new UsageError('pass --yes'), 'invalid_arguments', EXIT.usage],
    [
      'a commander error',
      new CommanderError(1, 'commander.missingArgument', "error: missing required argument 'name'"),
      'invalid_arguments',
      EXIT.usage,
    ],
    ['invalid input', z.string().safeParse(1).error, 'invalid_arguments', EXIT.usage],
    ['an invalid_request', ApiError.invalidRequest('bad name'), 'invalid_request', EXIT.usage],
    ['a missing project', ApiError.notFound('project_not_found', 'No project'), 'project_not_found', EXIT.failure],
    ['a missing tenant', new TenantNotFoundError('prj_1', 'org_x'), 'tenant_not_found', EXIT.failure],
    ['a busy database', new EmbeddedDatabaseBusyError('/d', 12), 'embedded_database_busy', EXIT.failure],
    ['a bad config', new ConfigValidationError(['PORT: bad']), 'invalid_config', EXIT.failure],
    ['anything else', new Error('boom'), 'internal_error', EXIT.failure],
  ])('classifies %s', (_name, error, code, exitCode) => {
    expect(toFailure(error)).toMatchObject({ code, exitCode });
  });
});

describe(table.name, () => {
  it('aligns columns', () => {
    expect(
      table([
        ['A', 'BB'],
        ['ccc', 'd'],
      ]),
    ).toBe('A    BB\nccc  d');
  });
});
