import { describe, expect, it } from 'vitest';
import {
  ControlError, endpoints, ERROR_STATUS, isErrorCode, JoinRequest, matchEndpoint, PrefsPatch, PROTOCOL_VERSION, Status, WatchEvent,
} from './index';

const status: Status = {
  version: '1.0.0', protocolVersion: PROTOCOL_VERSION, tunnelState: 'connected', wantConnected: true, interface: 'wg0',
  peerCount: 0, hostname: 'h', startedAt: 1, counters: { received: 0, accepted: 0, dropped: {} },
};

describe('endpoint table', () => {
  it('puts every path under /v1 with a unique method+path', () => {
    const keys = Object.values(endpoints).map((e) => `${e.method} ${e.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of Object.values(endpoints)) expect(e.path).toMatch(/^\/v1\/[a-z]+$/);
  });

  it('matches method and path, reports allowed methods, or unknown paths', () => {
    expect(matchEndpoint('GET', '/v1/status')).toEqual({ kind: 'found', name: 'status' });
    expect(matchEndpoint('PATCH', '/v1/prefs')).toEqual({ kind: 'found', name: 'patchPrefs' });
    expect(matchEndpoint('DELETE', '/v1/prefs')).toEqual({ kind: 'wrong-method', allow: ['GET', 'PATCH'] });
    expect(matchEndpoint('GET', '/v1/missing')).toEqual({ kind: 'unknown-path' });
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
