import { describe, expect, it } from 'vitest';
import {
  AdvertiseRequest, ControlError, endpoints, ERROR_STATUS, isErrorCode, JoinRequest, matchEndpoint, Prefs, PrefsPatch, PROTOCOL_VERSION,
  RoutesState, Status, WatchEvent, WithdrawRequest,
} from './index';

const status: Status = {
  version: '1.0.0', protocolVersion: PROTOCOL_VERSION, tunnelState: 'connected', wantConnected: true, interface: 'wg0',
  peerCount: 0, hostname: 'h', startedAt: 1, counters: { received: 0, accepted: 0, dropped: {} },
};

describe('endpoint table', () => {
  it('puts every path under /v1 with a unique method+path', () => {
    const keys = Object.values(endpoints).map((e) => `${e.method} ${e.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of Object.values(endpoints)) expect(e.path).toMatch(/^\/v1\/[a-z]+(-[a-z]+)*(\/[a-z]+)?$/);
  });

  it('matches method and path, reports allowed methods, or unknown paths', () => {
    expect(matchEndpoint('GET', '/v1/status')).toEqual({ kind: 'found', name: 'status' });
    expect(matchEndpoint('PATCH', '/v1/prefs')).toEqual({ kind: 'found', name: 'patchPrefs' });
    expect(matchEndpoint('DELETE', '/v1/prefs')).toEqual({ kind: 'wrong-method', allow: ['GET', 'PATCH'] });
    expect(matchEndpoint('GET', '/v1/missing')).toEqual({ kind: 'unknown-path' });
    expect(matchEndpoint('GET', '/v1/routes/detect')).toEqual({ kind: 'found', name: 'detectRoutes' });
    expect(matchEndpoint('GET', '/v1/routes/advertise')).toEqual({ kind: 'wrong-method', allow: ['POST'] });
  });
});

describe('errors', () => {
  it('uses kebab-case codes with 4xx/5xx statuses', () => {
    for (const [code, st] of Object.entries(ERROR_STATUS)) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(st).toBeGreaterThanOrEqual(400);
      expect(st).toBeLessThan(600);
    }
  });

  it('ControlError carries its status and body; unknown codes are 500', () => {
    const e = new ControlError('already-joined', 'already in a mesh');
    expect([e.status, e.toBody()]).toEqual([409, { error: { code: 'already-joined', message: 'already in a mesh' } }]);
    expect(new ControlError('from-the-future', 'x').status).toBe(500);
    expect(isErrorCode('busy')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });
});

describe('schemas', () => {
  it('requests are strict and bounded', () => {
    expect(JoinRequest.safeParse({ secret: 'x'.repeat(16) }).success).toBe(true);
    expect(JoinRequest.safeParse({ secret: '' }).success).toBe(false);
    expect(JoinRequest.safeParse({ secret: 'x'.repeat(4097) }).success).toBe(false);
    expect(JoinRequest.safeParse({ secret: 'x'.repeat(16), extra: 1 }).success).toBe(false);
    expect(PrefsPatch.safeParse({}).success).toBe(true);
    expect(PrefsPatch.safeParse({ logLevel: 'trace' }).success).toBe(false);
    expect(PrefsPatch.safeParse({ wantRunning: true }).success).toBe(false);
  });

  it('prefs default the route members; a patch may set acceptRoutes but not advertiseRoutes, and fills in nothing', () => {
    expect(Prefs.parse({ wantConnected: false, logLevel: 'info' })).toEqual({ wantConnected: false, logLevel: 'info', advertiseRoutes: [], acceptRoutes: true });
    expect(PrefsPatch.parse({ acceptRoutes: false })).toEqual({ acceptRoutes: false });
    expect(PrefsPatch.parse({})).toEqual({});
    expect(PrefsPatch.safeParse({ advertiseRoutes: [] }).success).toBe(false);
  });

  it('advertise needs prefixes or auto (not both); withdraw needs prefixes or all; both are bounded', () => {
    expect(AdvertiseRequest.parse({ prefixes: ['192.168.1.0/24'] })).toEqual({ prefixes: ['192.168.1.0/24'] });
    expect(AdvertiseRequest.parse({ auto: true, masquerade: false })).toEqual({ prefixes: [], auto: true, masquerade: false });
    for (const bad of [{}, { prefixes: [] }, { prefixes: ['10.0.0.0/8'], auto: true }, { prefixes: ['x'.repeat(65)] },
      { prefixes: Array(101).fill('10.0.0.0/8') }, { prefixes: ['10.0.0.0/8'], via: 'x' }, { prefixes: [''] }]) {
      expect(AdvertiseRequest.safeParse(bad).success).toBe(false);
    }
    expect(WithdrawRequest.safeParse({ all: true }).success).toBe(true);
    expect(WithdrawRequest.safeParse({ prefixes: ['10.0.0.0/8'] }).success).toBe(true);
    for (const bad of [{}, { all: false }, { prefixes: [] }, { prefixes: ['10.0.0.0/8'], all: true }]) {
      expect(WithdrawRequest.safeParse(bad).success).toBe(false);
    }
  });

  it('routes state carries advertised and accepted routes; status may summarise them', () => {
    const state: RoutesState = {
      acceptRoutes: true,
      advertised: [{ prefix: '192.168.1.0/24', masquerade: true, lanInterface: 'eth0', state: 'active' }],
      accepted: [{ prefix: '10.5.0.0/16', via: { publicKey: 'k', meshIPv4: '10.42.0.2' }, installed: false, conflict: 'local', standby: [] }],
    };
    expect(RoutesState.parse({ ...state, extra: 1 })).toEqual(state);
    expect(RoutesState.safeParse({ ...state, advertised: [{ prefix: 'p', masquerade: true, state: 'done' }] }).success).toBe(false);
    expect(Status.parse({ ...status, routes: { advertised: 1, accepted: 2, conflicts: 1 } }).routes).toEqual({ advertised: 1, accepted: 2, conflicts: 1 });
  });

  it('responses tolerate and strip unknown members', () => {
    const parsed = Status.parse({ ...status, secret: 'must go', futureField: 1 });
    expect(parsed).toEqual(status);
  });

  it('watch events are a union on type', () => {
    expect(WatchEvent.parse({ type: 'snapshot', status, peers: [] }).type).toBe('snapshot');
    expect(WatchEvent.safeParse({ type: 'snapshot', status }).success).toBe(false);
    expect(WatchEvent.safeParse({ type: 'other' }).success).toBe(false);
  });
});
