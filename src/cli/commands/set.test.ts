// `cloudroof set`: local checks of the interface name and port (exit 2, nothing sent), the patch
// sent, what the output says about the move, and the service's refusals.
import { describe, expect, it } from 'vitest';
import { ControlError, type Status } from '../../shared/protocol';
import { run } from '../run';
import { fakeIo, runWithStub } from '../test-io';
import { formatSettings, setCommand } from './set';

const status = (over: Partial<Status>): Status => ({
  version: '1', protocolVersion: 1, tunnelState: 'connected', wantConnected: true, interface: 'cloudroof0', peerCount: 1,
  hostname: 'h', startedAt: 0, counters: { received: 0, accepted: 0, dropped: {} }, listenPort: 51820, ...over,
});
const prefs = { wantConnected: true, logLevel: 'info', advertiseRoutes: [], acceptRoutes: true, interfaceName: 'wg7', listenPort: 40000 };

describe('cloudroof set', () => {
  it('sends the patch and says the node reconnected on the new interface and port', async () => {
    let n = 0;
    // The status before the change, then after it.
    const answers = { get status() { return n++ === 0 ? status({}) : status({ interface: 'wg7', listenPort: 40000 }); }, patchPrefs: prefs };
    const r = await runWithStub(setCommand, [], answers, undefined, { interface: 'wg7', 'listen-port': '40000' });
    expect(r.calls).toEqual([['status'], ['patchPrefs', { interfaceName: 'wg7', listenPort: 40000 }], ['status']]);
    expect(r.io.stdout).toBe('Interface:   wg7 (was cloudroof0)\nListen port: 40000 (was 51820)\nState:       connected (reconnected on the new interface and port)\n');
  });

  it('says when the port is chosen at join time, and prints the prefs with --json', async () => {
    expect(formatSettings(status({ tunnelState: 'disconnected', listenPort: undefined }), status({ tunnelState: 'disconnected', interface: 'wg7', listenPort: undefined })))
      .toBe('Interface:   wg7 (was cloudroof0)\nListen port: chosen when joining\nState:       disconnected\n');
    const r = await runWithStub(setCommand, [], { status: status({}), patchPrefs: prefs }, undefined, { interface: 'wg7', json: true });
    expect(JSON.parse(r.io.stdout)).toMatchObject({ interface_name: 'wg7', listen_port: 40000 });
  });

  it('checks the values locally: exit 2, nothing sent', async () => {
    for (const args of [[], ['--interface', 'a b'], ['--interface', 'x'.repeat(16)], ['--listen-port', '0'], ['--listen-port', '65536'], ['--listen-port', '1e3'], ['--listen-port', '-1'], ['extra']]) {
      const io = fakeIo();
      expect(await run(['set', ...args], io), args.join(' ')).toBe(2);
    }
  });

  it('maps invalid-interface to exit 2 and passes port-in-use on (exit 1)', async () => {
    await expect(runWithStub(setCommand, [], { status: status({}), patchPrefs: new ControlError('invalid-interface', 'an interface named eth0 already exists on this machine; choose another name') }, undefined, { interface: 'eth0' }))
      .rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('eth0 already exists') });
    await expect(runWithStub(setCommand, [], { status: status({}), patchPrefs: new ControlError('port-in-use', 'UDP port 53 is in use') }, undefined, { 'listen-port': '53' }))
      .rejects.toMatchObject({ code: 'port-in-use' });
  });
});
