// @peculiar/x509 (the emulator's certificate maker) needs the reflect polyfill that Nest loads elsewhere.
import 'reflect-metadata';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TLSSocket } from 'node:tls';
import { loadOrCreateTls } from '../../../apps/microsoft-emulator/src/tls/certificates';
import { HttpClient, HttpRequestError } from './http';

// A TLS echo server with the emulator's certificate material (its leaf names the real Microsoft
// hosts), to show what a routed request looks like on the wire.
describe(HttpClient.name, () => {
  let caCertPem: string;
  let server: Server;
  let target: string;

  beforeAll(async () => {
    const tls = await loadOrCreateTls(null, new Date());
    caCertPem = tls.caCertPem;
    server = createServer({ key: tls.leafKeyPem, cert: tls.leafCertPem }, (req, res) => {
      const socket = req.socket as TLSSocket & { servername?: string | false };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ host: req.headers.host, sni: socket.servername || null, path: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  describe('request', () => {
    it('connects a routed host to the route target, keeping the real host for SNI, certificate check and Host', async () => {
      const http = new HttpClient({ caCertificates: [caCertPem], routes: { 'graph.microsoft.us': target } });
      try {
        const response = await http.request({ method: 'GET', url: 'https://graph.microsoft.us/v1.0/me?x=1' });
        expect(JSON.parse(response.body.toString())).toEqual({
          host: 'graph.microsoft.us',
          sni: 'graph.microsoft.us',
          path: '/v1.0/me?x=1',
        });
      } finally {
        http.close();
      }
    });

    it('fails with a TLS error when the CA is not trusted', async () => {
      const http = new HttpClient({ routes: { 'graph.microsoft.us': target } });
      try {
        const error = await http
          .request({ method: 'GET', url: 'https://graph.microsoft.us/v1.0/me' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(HttpRequestError);
        expect((error as HttpRequestError).failure).toBe('tls');
      } finally {
        http.close();
      }
    });

    it('refuses plain http', async () => {
      const http = new HttpClient();
      const error = await http
        .request({ method: 'GET', url: 'http://graph.microsoft.com/v1.0/me' })
        .catch((e: unknown) => e);
      expect((error as HttpRequestError).failure).toBe('invalid_url');
      http.close();
    });
  });
});
