import type { ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { noteErrorCode } from '../common/error-code-note';
import { prettyLogs, prettyMessage, withFrameworkChatterAtDebug } from './logging.module';
import { serializeResponse } from './redaction';
import { warningBlock } from './warning-block';

describe(prettyLogs.name, () => {
  it('renders readable lines on a terminal and JSON elsewhere, unless told', () => {
    expect(prettyLogs('auto', true)).toBe(true);
    expect(prettyLogs('auto', false)).toBe(false);
    expect(prettyLogs('json', true)).toBe(false);
    expect(prettyLogs('pretty', false)).toBe(true);
  });
});

describe(prettyMessage.name, () => {
  it('shows a request as method, path, status, error code and time', () => {
    const record = {
      msg: 'request completed',
      req: { method: 'GET', path: '/v1/tenants' },
      res: { statusCode: 401, errorCode: 'invalid_api_key' },
      responseTime: 3,
    };
    expect(prettyMessage(record, 'msg')).toBe('GET /v1/tenants -> 401 invalid_api_key (3 ms)');
  });

  it('prefixes other records with their context', () => {
    expect(prettyMessage({ msg: 'listening', context: 'Vault' }, 'msg')).toBe('[Vault] listening');
  });
});

describe(withFrameworkChatterAtDebug.name, () => {
  it("moves Nest's route and module narration to debug and keeps the rest", () => {
    const inner = { log: vi.fn(), error: vi.fn(), warn: vi.fn(), debug: vi.fn() } satisfies LoggerService;
    const logger = withFrameworkChatterAtDebug(inner);
    logger.log('Mapped {/v1/tenants, GET} route', 'RouterExplorer');
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('Authpipe vault listening on http://127.0.0.1:3000', 'Vault');
    logger.warn('careful', 'MasterKeys');
    expect(inner.debug).toHaveBeenCalledTimes(2);
    expect(inner.log).toHaveBeenCalledExactlyOnceWith('Authpipe vault listening on http://127.0.0.1:3000', 'Vault');
    expect(inner.warn).toHaveBeenCalledExactlyOnceWith('careful', 'MasterKeys');
  });
});

describe(serializeResponse.name, () => {
  it('names the error code the vault answered with', () => {
    const res = { statusCode: 404 } as ServerResponse;
    expect(serializeResponse(res)).toEqual({ statusCode: 404 });
    noteErrorCode(res, 'tenant_not_found');
    expect(serializeResponse(res)).toEqual({ statusCode: 404, errorCode: 'tenant_not_found' });
    // pino-http passes its standard serialization, with the response itself as `raw`.
    const standard = Object.defineProperty({ statusCode: 404 }, 'raw', { value: res, enumerable: false });
    expect(serializeResponse(standard as ServerResponse)).toEqual({ statusCode: 404, errorCode: 'tenant_not_found' });
  });
});

describe(warningBlock.name, () => {
  it('frames the whole message, wrapped, so no word is lost', () => {
    const text = `Generated a new master key in /tmp/${'x'.repeat(40)}/master.key. Back this file up.`;
    const block = warningBlock('WARNING: new master key', text);
    const lines = block.trim().split('\n');
    expect(lines[0]).toMatch(/^=+$/);
    expect(lines.at(-1)).toBe(lines[0]);
    expect(new Set(lines.slice(1, -1).map((l) => l.length))).toEqual(new Set([lines[0].length]));
    expect(block.replace(/[|=\s]+/g, ' ')).toContain(text.replace(/\s+/g, ' '));
  });
});
