// The undici Agent behind one HttpClient: connection pooling and keep-alive are undici's; this
// file only decides where a connection goes and whom it trusts.
//
// undici keys its pools by origin and derives TLS SNI and the certificate check from the
// origin's host, so the endpoint override (`routes`) is a connector that changes only the
// address dialled: Host, SNI and the name verified stay the real host, as before. Every other
// connection resolves its name through the address policy (SSRF guard) at connect time.
import { isIP } from 'node:net';
import tls from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { AddressPolicy, DestinationNotAllowedError } from './address-policy';

/** What the dispatcher needs from the client's validated options. */
export interface DispatcherOptions {
  caCertificates: readonly string[];
  /** Host (or host:port), lower-case → where to connect instead. */
  routes: ReadonlyMap<string, URL>;
  /** Networks beyond the public internet that may be connected to. */
  allowPrivateNetworks: readonly string[];
  connectTimeoutMs: number;
  maxConnectionsPerOrigin: number;
  keepAliveTimeoutMs: number;
}

/** The address a URL's host is connected to: the route target, or the host itself. */
export function routeFor(routes: ReadonlyMap<string, URL>, host: string, hostname: string): URL | undefined {
  return routes.get(host.toLowerCase()) ?? routes.get(hostname.toLowerCase());
}

/** Builds the one Agent of a configuration. */
export function createDispatcher(options: DispatcherOptions): Agent {
  const policy = new AddressPolicy(options.allowPrivateNetworks);
  const tlsOptions = {
    // `ca` replaces Node's roots, so the bundled ones are kept explicitly. One context for every
    // connection: given `ca`, each new connection parsed Node's ~140 roots again (about 20 ms of
    // CPU per connection in the refresh benchmark).
    secureContext: tls.createSecureContext({
      ca: options.caCertificates.length > 0 ? [...tls.rootCertificates, ...options.caCertificates] : undefined,
    }),
    timeout: options.connectTimeoutMs,
    // HTTP/1.1 only: what the emulator, egress proxies and Graph's upload sessions all speak.
    allowH2: false,
  };
  // Route targets are the operator's own configuration, so they are dialled as given; every
  // other name goes through the policy's lookup (covered by the connect timeout, as DNS is).
  const routed = buildConnector(tlsOptions);
  const guarded = buildConnector({ ...tlsOptions, lookup: policy.lookup() });

  const connect: buildConnector.connector = (connectOptions, callback) => {
    const host = connectOptions.host ?? connectOptions.hostname;
    const target = routeFor(options.routes, host, connectOptions.hostname);
    if (target !== undefined) {
      routed(
        {
          ...connectOptions,
          hostname: target.hostname.replace(/^\[|\]$/g, ''),
          port: target.port === '' ? '443' : target.port,
          // SNI and the certificate check follow `host` (the real name); an IP has no SNI.
          servername: isIP(connectOptions.hostname) ? undefined : connectOptions.hostname,
        },
        callback,
      );
      return;
    }
    // net.connect skips the lookup for an IP literal, so literals are checked here.
    if (isIP(connectOptions.hostname)) {
      const range = policy.refusal(connectOptions.hostname);
      if (range !== null) {
        callback(new DestinationNotAllowedError(connectOptions.hostname, range), null);
        return;
      }
    }
    guarded(connectOptions, callback);
  };

  return new Agent({
    connect,
    connections: options.maxConnectionsPerOrigin,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    pipelining: 1,
  });
}
