// A local HTTPS server with the emulator's certificate material (its leaf names localhost,
// 127.0.0.1, ::1 and the Microsoft hosts), for the HTTP layer's own tests: streaming, timeouts,
// routes and the address policy need a peer whose behaviour the test controls byte by byte.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadOrCreateTls } from '../../../apps/microsoft-emulator/src/tls/certificates';

export interface TlsTestServer {
  /** `https://127.0.0.1:PORT` */
  origin: string;
  port: number;
  /** The CA that signed the server's certificate. */
  caCertPem: string;
  /** TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Starts an HTTPS server on 127.0.0.1 (random port) answering with `handler`. */
export async function startTlsTestServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TlsTestServer> {
  const material = await loadOrCreateTls(null, new Date());
  const server: Server = createServer({ key: material.leafKeyPem, cert: material.leafCertPem }, handler);
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `https://127.0.0.1:${port}`,
    port,
    caCertPem: material.caCertPem,
    get connections() {
      return connections;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const BLOCK = randomBytes(64 * 1024);

/**
 * The 64 KiB chunk at `offset` of a test body: one random block stamped with its offset, so a
 * hash of the whole body also proves the chunks arrived in order.
 */
export function patternChunk(offset: number): Buffer {
  const chunk = Buffer.from(BLOCK);
  chunk.writeDoubleLE(offset, 0);
  return chunk;
}

/** Size of every {@link patternChunk}. */
export const PATTERN_CHUNK_BYTES = BLOCK.length;
