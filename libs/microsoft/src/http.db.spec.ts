// @peculiar/x509 (the emulator's certificate maker) needs the reflect polyfill that Nest loads elsewhere.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TLSSocket } from 'node:tls';
import { HttpClient, HttpRequestError } from './http';
import { startTlsTestServer, type TlsTestServer } from '../test/tls-test-server';

async function failure(promise: Promise<unknown>): Promise<HttpRequestError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpRequestError)) throw new Error(`expected an HttpRequestError, got ${String(error)}`);
  return error;
}

// A TLS echo server with the emulator's certificate material (its leaf names the real Microsoft
// hosts, localhost and 127.0.0.1), to show what a request looks like on the wire.
describe(HttpClient.name, () => {
  let server: TlsTestServer;
  let caCertPem: string;
  let target: string;

  beforeAll(async () => {
    server = await startTlsTestServer((req, res) => {
      const socket = req.socket as TLSSocket & { servername?: string | false };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ host: req.headers.host, sni: socket.servername || null, path: req.url }));
    });
    caCertPem = server.caCertPem;
    target = server.origin;
  });
  afterAll(async () => {
    await server.close();
  });

  describe('request', () => {
    // The route target is on loopback and no network is allowed: route targets are the operator's
    // own configuration, which the address policy does not second-guess.
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
        await http.close();
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
        await http.close();
      }
    });

    it('refuses plain http', async () => {
      const http = new HttpClient();
      const error = await http
        .request({ method: 'GET', url: 'http://graph.microsoft.com/v1.0/me' })
        .catch((e: unknown) => e);
      expect((error as HttpRequestError).failure).toBe('invalid_url');
      await http.close();
    });
  });

  describe('address policy at connect time', () => {
    it('refuses a name that resolves to loopback before connecting, and connects once that network is allowed', async () => {
      const url = `https://localhost:${server.port}/probe?code=canary-code`;
      const guarded = new HttpClient({ caCertificates: [caCertPem] });
      const allowed = new HttpClient({ caCertificates: [caCertPem], allowPrivateNetworks: ['127.0.0.1', '::1'] });
      try {
        const before = server.connections;
        const refused = await failure(guarded.request({ method: 'GET', url }));
        expect(refused).toMatchObject({
          failure: 'destination_not_allowed',
          systemCode: 'ERR_DESTINATION_NOT_ALLOWED',
        });
        expect(refused.message).not.toContain('canary-code');
        const streamed = await failure(guarded.stream({ method: 'GET', url }));
        expect(streamed.failure).toBe('destination_not_allowed');
        expect(server.connections).toBe(before);

        const response = await allowed.request({ method: 'GET', url });
        expect(JSON.parse(response.body.toString())).toEqual({
          host: `localhost:${server.port}`,
          sni: 'localhost',
          path: '/probe?code=canary-code',
        });
      } finally {
        await guarded.close();
        await allowed.close();
      }
    });

    it.each(['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]'])('refuses the address literal %s', async (host) => {
      const http = new HttpClient({ caCertificates: [caCertPem] });
      try {
        const before = server.connections;
        const error = await failure(http.request({ method: 'GET', url: `https://${host}:${server.port}/` }));
        expect(error.failure).toBe('destination_not_allowed');
        expect(server.connections).toBe(before);
      } finally {
        await http.close();
      }
    });
  });

  // Health probes (Graph) and token refreshes (the login host) share the vault's one HttpClient:
  // undici's Agent keeps one pool per origin, so a flood of probes queues behind Graph's
  // connection limit and never in front of a token request, even when both hosts are routed to
  // the same address (the emulator, an egress proxy).
  describe('connection pools per origin', () => {
    it('answers a request to one origin while another origin has every connection busy and requests queued', async () => {
      let held = 0;
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let twoHeld!: () => void;
      const bothBusy = new Promise<void>((resolve) => (twoHeld = resolve));
      const busy = await startTlsTestServer((req, res) => {
        if (req.url?.startsWith('/hold') === true) {
          held += 1;
          if (held === 2) twoHeld();
          void released.then(() => res.end('{}'));
        } else {
          res.end(JSON.stringify({ host: req.headers.host }));
        }
      });
      const http = new HttpClient({
        caCertificates: [busy.caCertPem],
        maxConnectionsPerOrigin: 2,
        routes: { 'graph.microsoft.com': busy.origin, 'login.microsoftonline.com': busy.origin },
      });
      try {
        // Six probes: two on the wire (Graph's connection limit), four queued in Graph's pool.
        const flood = Array.from({ length: 6 }, (_, i) =>
          http.request({ method: 'GET', url: `https://graph.microsoft.com/hold/${i}` }),
        );
        await bothBusy;
        const token = await http.request({
          method: 'POST',
          url: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
        });
        expect(JSON.parse(token.body.toString())).toEqual({ host: 'login.microsoftonline.com' });
        // The token request did not wait for Graph's queue: the flood is still held and queued.
        expect(held).toBe(2);
        release();
        expect((await Promise.all(flood)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
        expect(held).toBe(6);
      } finally {
        release();
        await http.close();
        await busy.close();
      }
    });
  });
});
