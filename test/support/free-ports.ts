// A base port for a vault started as a program (PORT, with the sandbox on PORT+1 and PORT+2).
import { readFileSync } from 'node:fs';
import { assertPortsFree } from '../../apps/vault/src/boot-ports';

/**
 * The first port the kernel hands out as the local end of outgoing connections and `listen(0)`
 * (Linux: `net.ipv4.ip_local_port_range`, 32768 by default). Ports below it are taken only by a
 * program that asks for them by number: a port above it that is free when checked can be taken a
 * moment later by any connection another test opens (a PostgreSQL client's, say) before the
 * vault listens on it, which made the boot tests fail now and then with EADDRINUSE.
 */
function ephemeralStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > 12_000) return low;
  } catch {
    // Not Linux: the IANA dynamic range starts at 49152.
  }
  return 32_768;
}

/** A base port whose PORT, PORT+1 and PORT+2 are free on loopback now, below the ephemeral range. */
export async function freeBasePort(): Promise<number> {
  const from = 10_000;
  const to = ephemeralStart() - 3;
  for (;;) {
    const base = from + Math.floor(Math.random() * (to - from));
    const ports = [0, 1, 2].map((i) => ({ host: '127.0.0.1', port: base + i, role: `PORT+${i}` }));
    const free = await assertPortsFree(ports).then(
      () => true,
      () => false,
    );
    if (free) return base;
  }
}
