import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule, LoggerService } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { pino, stdSerializers, type DestinationStream, type LevelWithSilent } from 'pino';
import pinoPretty from 'pino-pretty';
import { REDACTED, REDACT_PATHS, redactDeep, serializeRequest, serializeResponse } from './redaction';
import { randomToken, type Random } from '../common/random';

/** Options of {@link createLoggingModule}. */
export interface LoggingOptions {
  level: LevelWithSilent;
  /** Where JSON lines go; stdout when absent. Tests capture logs through this. */
  destination?: DestinationStream;
  /** `pretty`: one readable line per record; `json`: one JSON object per line; `auto`: pretty on a terminal. */
  format?: 'json' | 'pretty' | 'auto';
}

/** The pino logger every part of the vault writes through: JSON lines (or pretty ones on a terminal), secrets redacted. */
export function createRootLogger(options: LoggingOptions): pino.Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { req: serializeRequest, res: serializeResponse, err: stdSerializers.err },
      formatters: { log: (record) => redactDeep(record) as Record<string, unknown> },
    },
    options.destination ?? stdoutDestination(options.format ?? 'auto'),
  );
}

/**
 * stdout as JSON lines for log collectors, or as readable lines for a person at a terminal. The
 * records are the same (redaction runs before either); only their rendering differs.
 */
function stdoutDestination(format: 'json' | 'pretty' | 'auto'): DestinationStream {
  if (!prettyLogs(format, process.stdout.isTTY === true)) return pino.destination({ dest: 1, sync: false });
  return pinoPretty({
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context,req,res,responseTime',
    messageFormat: prettyMessage,
    singleLine: true,
  });
}

/** Whether stdout gets readable lines: when asked, or by default when a terminal shows it. */
export function prettyLogs(format: 'json' | 'pretty' | 'auto', stdoutIsTty: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTty);
}

/** `[Context] message`, and for a request `GET /path -> 404 not_found (3 ms)`. */
export function prettyMessage(record: Record<string, unknown>, messageKey: string): string {
  const raw = record[messageKey];
  const message = typeof raw === 'string' ? raw : raw === undefined ? '' : JSON.stringify(raw);
  const req = record.req as { method?: string; path?: string } | undefined;
  const res = record.res as { statusCode?: number; errorCode?: string } | undefined;
  if (req?.method && res?.statusCode !== undefined) {
    const code = res.errorCode ? ` ${res.errorCode}` : '';
    const time = typeof record.responseTime === 'number' ? ` (${record.responseTime} ms)` : '';
    return `${req.method} ${req.path ?? ''} -> ${res.statusCode}${code}${time}`;
  }
  return typeof record.context === 'string' ? `[${record.context}] ${message}` : message;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route binds the request to its log lines itself, only where it may log (see
     * {@link withRequestContext}): getCredential, whose warm read logs nothing but its request line.
     */
    ownLogContext?: boolean;
  }
}

/**
 * The vault's logger for Nest (nestjs-pino's PinoLogger over {@link createRootLogger}). Its HTTP
 * middleware is not applied to any route: Fastify hooks write the request line and bind the
 * request to what is logged while it is served ({@link registerRequestLogging}). Through Nest's
 * middleware (its proxy, @fastify/middie's matching of every request against the routes and
 * exclusions, pino-http's child logger and response listeners per request) that was about a tenth
 * of a warm getCredential.
 */
export function createLoggingModule(options: LoggingOptions): DynamicModule {
  const logger = createRootLogger(options);
  return LoggerModule.forRoot({
    // PinoLogger.root is the logger pino-http derives from this one, with these serializers.
    pinoHttp: { logger, serializers: { req: serializeRequest, res: serializeResponse } },
    forRoutes: [],
  });
}

/**
 * The request logging of every route, as Fastify hooks: on arrival the request is bound to every
 * log line made while it is served (nestjs-pino's request context, as its middleware did), unless
 * the route does that itself (`ownLogContext`); once the response is done, its request line
 * ({@link logRequest}). Registered before the application is ready, so it runs on every route.
 */
export function registerRequestLogging(fastify: FastifyInstance, logs: PinoLogger): void {
  // Callback hooks: they run on every request, where an async one would cost a promise each.
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.config.ownLogContext === true) done();
    else logs.runInContext(done, { bindings: { req: requestFields(request) } });
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply);
    done();
  });
}

/** A finished request's level: error from 500, warn from 400 (a refusal), else info. */
function requestLevel(statusCode: number): 'error' | 'warn' | 'info' {
  return statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';
}

/**
 * A request's line, written when its response is done: the record pino-http writes (`req` with
 * the request id, method, path and allow-listed headers; `res` with the status and error code;
 * `responseTime`; `request completed`, or `request errored` at error level from 500), through the
 * root logger, its serializers and redaction, without a child logger per request.
 */
function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  logRequestLine(requestFields(request), reply.raw, reply.elapsedTime);
}

/**
 * The request line of {@link logRequest} for a response written outside Fastify (the warm
 * getCredential lane): the same record from the same fields, `elapsedMs` since the request arrived.
 */
export function logRequestLine(req: RequestFields, res: ServerResponse, elapsedMs: number): void {
  const logger = PinoLogger.root;
  const statusCode = res.statusCode;
  const level = requestLevel(statusCode);
  if (logger === undefined || !logger.isLevelEnabled(level)) return;
  const responseTime = Math.round(elapsedMs);
  if (statusCode >= 500) {
    const err = new Error(`failed with status code ${statusCode}`);
    logger[level]({ req, res, err, responseTime }, 'request errored');
  } else {
    logger[level]({ req, res, responseTime }, 'request completed');
  }
}

/**
 * Runs `work` with `request` bound to every log line made inside it, as every other route has it
 * from the start ({@link registerRequestLogging}): for the paths of an `ownLogContext` route that
 * may log (a credential read from the database, a refresh, an unexpected error).
 */
export function withRequestContext<T>(logs: PinoLogger, request: FastifyRequest, work: () => T): T {
  return logs.runInContext(work, { bindings: { req: requestFields(request) } });
}

/** What {@link serializeRequest} reads of a request (the raw request's fields, Fastify's id). */
export interface RequestFields {
  id: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

function requestFields(request: FastifyRequest): RequestFields {
  return { id: request.id, method: request.method, url: request.url, headers: request.headers };
}

/**
 * Fastify's request id: a proxy's well-formed `x-request-id`, else this application's random
 * prefix (72 bits, drawn once) and the request's sequence number, `kq3XbT0c9mJw.1f`. An id names
 * log lines, so it must be unique across replicas and restarts, not unguessable: a random UUID per
 * request cost about 1 % of a warm getCredential (the CSPRNG refilling Node's UUID pool).
 */
export function requestIdFrom(random: Random): (req: Pick<IncomingMessage, 'headers'>) => string {
  const prefix = randomToken(random, 9);
  let sequence = 0;
  return (req) => {
    const given = req.headers['x-request-id'];
    if (typeof given === 'string' && /^[\w.-]{1,64}$/.test(given)) return given;
    sequence++;
    return `${prefix}.${sequence.toString(36)}`;
  };
}

/** Nest's start-up narration: a line per module and per route (~70 of ~90 at boot), useful only when debugging. */
const FRAMEWORK_CHATTER = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/**
 * The Nest logger with the framework's start-up narration (module loaded, route mapped) moved
 * from info to debug: `LOG_LEVEL=debug` shows it again. Everything else passes unchanged.
 */
export function withFrameworkChatterAtDebug(logger: LoggerService): LoggerService {
  const isChatter = (params: unknown[]) => {
    const context = params.at(-1);
    return typeof context === 'string' && FRAMEWORK_CHATTER.has(context);
  };
  return {
    log(message: unknown, ...params: unknown[]): void {
      if (isChatter(params) && logger.debug) logger.debug(message, ...params);
      else logger.log(message, ...params);
    },
    error(message: unknown, ...params: unknown[]): void {
      logger.error(message, ...params);
    },
    warn(message: unknown, ...params: unknown[]): void {
      logger.warn(message, ...params);
    },
    debug(message: unknown, ...params: unknown[]): void {
      logger.debug?.(message, ...params);
    },
    verbose(message: unknown, ...params: unknown[]): void {
      logger.verbose?.(message, ...params);
    },
    fatal(message: unknown, ...params: unknown[]): void {
      logger.fatal?.(message, ...params);
    },
  };
}
