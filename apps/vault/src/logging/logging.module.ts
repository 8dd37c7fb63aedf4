import type { IncomingMessage } from 'node:http';
import { RequestMethod, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { pino, stdSerializers, type DestinationStream, type LevelWithSilent } from 'pino';
import { REDACTED, REDACT_PATHS, redactDeep, serializeRequest, serializeResponse } from './redaction';
import { randomUuid, type Random } from '../common/random';

/** Options of {@link createLoggingModule}. */
export interface LoggingOptions {
  level: LevelWithSilent;
  /** Where JSON lines go; stdout when absent. Tests capture logs through this. */
  destination?: DestinationStream;
}

/** The pino logger every part of the vault writes through: JSON lines, secrets redacted. */
export function createRootLogger(options: LoggingOptions): pino.Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { req: serializeRequest, res: serializeResponse, err: stdSerializers.err },
      formatters: { log: (record) => redactDeep(record) as Record<string, unknown> },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * nestjs-pino wired for Fastify on Nest 12: without the explicit catch-all route it logs no
 * requests at all. Request ids are Fastify's (see {@link requestId}), which pino-http reuses.
 */
export function createLoggingModule(options: LoggingOptions): DynamicModule {
  const logger = createRootLogger(options);
  return LoggerModule.forRoot({
    pinoHttp: {
      logger,
      // pino-http puts its own serializers on a child of `logger`; ours must be passed again.
      serializers: { req: serializeRequest, res: serializeResponse },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    },
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
  });
}

/** Fastify's request id: a proxy's well-formed `x-request-id`, else a random UUID. */
export function requestIdFrom(random: Random): (req: Pick<IncomingMessage, 'headers'>) => string {
  return (req) => {
    const given = req.headers['x-request-id'];
    return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUuid(random);
  };
}
