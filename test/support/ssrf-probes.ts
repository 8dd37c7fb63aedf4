// Three kinds of port an attacker could point an app's custom endpoints at to map a network
// through POST /v1/apps/:id/check: a closed port, an open port speaking plain HTTP, and a TLS
// port whose certificate the vault does not trust. All on 127.0.0.1, random ports.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { loadOrCreateTls } from '../../apps/microsoft-emulator/src/tls/certificates';

export interface ProbePorts {
  /** `https://127.0.0.1:PORT` where nothing listens. */
  closed: string;
  /** An open port answering plain HTTP (an internal admin page, say). */
  plainHttp: string;
  /** A TLS port with a certificate from a CA nobody trusts. */
  untrustedTls: string;
  /** The three origins, for an allow-list. */
  origins: string[];
  close(): Promise<void>;
}

function listen(server: Server | HttpServer | HttpsServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function shut(server: Server | HttpServer | HttpsServer): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startProbePorts(): Promise<ProbePorts> {
  // A port the kernel just handed out and that is closed again: nothing listens there now.
  const gone = createTcpServer();
  const closedPort = await listen(gone);
  await shut(gone);

  const plain = createHttpServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<h1>internal admin</h1>');
  });
  // A fresh CA of its own: the certificate is well formed, but the vault trusts no such CA.
  const stranger = await loadOrCreateTls(null, new Date());
  const untrusted = createHttpsServer({ key: stranger.leafKeyPem, cert: stranger.leafCertPem }, (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
  const [plainPort, untrustedPort] = [await listen(plain), await listen(untrusted)];
  const closed = `https://127.0.0.1:${closedPort}`;
  const plainHttp = `https://127.0.0.1:${plainPort}`;
  const untrustedTls = `https://127.0.0.1:${untrustedPort}`;
  return {
    closed,
    plainHttp,
    untrustedTls,
    origins: [closed, plainHttp, untrustedTls],
    async close() {
      await Promise.all([shut(plain), shut(untrusted)]);
    },
  };
}
