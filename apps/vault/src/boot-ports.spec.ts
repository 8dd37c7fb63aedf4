import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PortsInUseError, assertPortsFree, describeListenError, plannedPorts } from './boot-ports';

/** Holds a loopback port the way another program would; closed after each test. */
const held: net.Server[] = [];
async function holdPort(): Promise<number> {
  const server = net.createServer();
  held.push(server);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return (server.address() as net.AddressInfo).port;
}
afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe(plannedPorts.name, () => {
  it('plans PORT, and PORT+1 and PORT+2 for the sandbox emulator', () => {
    expect(plannedPorts({ host: '0.0.0.0', port: 3000 }, true)).toEqual([
      { host: '0.0.0.0', port: 3000, role: 'the vault (PORT)' },
      { host: '127.0.0.1', port: 3001, role: expect.stringContaining('PORT+1') },
      { host: '127.0.0.1', port: 3002, role: expect.stringContaining('PORT+2') },
    ]);
    expect(plannedPorts({ host: '127.0.0.1', port: 3000 }, false)).toHaveLength(1);
    expect(plannedPorts({ host: '127.0.0.1', port: 0 }, true)).toEqual([]);
  });
});

describe(assertPortsFree.name, () => {
  it('passes on free ports and leaves them free', async () => {
    const port = await holdPort();
    await new Promise((resolve) => held.pop()!.close(resolve));
    const planned = [{ host: '127.0.0.1', port, role: 'the vault (PORT)' }];
    await assertPortsFree(planned);
    await assertPortsFree(planned);
  });

  it('names every busy port with the setting that chose it', async () => {
    const vault = await holdPort();
    const emulator = await holdPort();
    const failure = assertPortsFree([
      { host: '127.0.0.1', port: vault, role: 'the vault (PORT)' },
      { host: '127.0.0.1', port: emulator, role: "the sandbox emulator's HTTPS endpoint (PORT+1)" },
    ]);
    await expect(failure).rejects.toBeInstanceOf(PortsInUseError);
    await expect(failure).rejects.toThrow(`127.0.0.1:${vault}, the vault (PORT): already in use`);
    await expect(failure).rejects.toThrow(`127.0.0.1:${emulator}, the sandbox emulator's HTTPS endpoint (PORT+1)`);
    await expect(failure).rejects.toThrow(/PORT=4000/);
  });
});

describe(describeListenError.name, () => {
  it('names a port taken between the check and the listen', () => {
    const planned = [{ host: '127.0.0.1', port: 3001, role: 'PORT+1' }];
    const raced = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', port: 3001 });
    expect(describeListenError(raced, planned)).toBeInstanceOf(PortsInUseError);
    const other = new Error('boom');
    expect(describeListenError(other, planned)).toBe(other);
  });
});
