// `cloudroof secret show`: asks at a terminal, refuses without one unless --yes, prints the
// secret alone on stdout (the question and refusals on stderr).
import { describe, expect, it } from 'vitest';
import { ControlError } from '../../shared/protocol';
import { run } from '../run';
import { fakeIo, runWithStub } from '../test-io';
import { REVEAL_QUESTION, secretCommand } from './secret';

const TOKEN = 'wgmesh://v1/c2VjcmV0LXNob3ctdGVzdC1zZWNyZXQtdmFsdWU';
const reveal = { revealSecret: { secret: TOKEN, token: true } };

describe('cloudroof secret show', () => {
  it('asks at a terminal and prints the secret on yes', async () => {
    const r = await runWithStub(secretCommand, ['show'], reveal, undefined, {}, fakeIo({ tty: true, answers: ['y'] }));
    expect(r.calls).toEqual([['revealSecret', { confirm: true }]]);
    expect([r.code, r.io.stdout, r.io.stderr]).toEqual([0, `${TOKEN}\n`, REVEAL_QUESTION]);
  });

  it('shows nothing when the answer is not yes', async () => {
    for (const answer of ['', 'n', 'no', 'yess']) {
      const r = await runWithStub(secretCommand, ['show'], reveal, undefined, {}, fakeIo({ tty: true, answers: [answer] }));
      expect([r.code, r.calls, r.io.stdout], answer).toEqual([1, [], '']);
      expect(r.io.stderr).toContain('Not shown.');
    }
  });

  it('refuses without a terminal unless --yes; --yes does not ask', async () => {
    await expect(runWithStub(secretCommand, ['show'], reveal, undefined, {}, fakeIo({ stdin: '' })))
      .rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('--yes') });
    const r = await runWithStub(secretCommand, ['show', '--yes'], reveal, undefined, {}, fakeIo({ stdin: 'y\n' }));
    expect([r.code, r.io.stdout, r.io.stderr]).toEqual([0, `${TOKEN}\n`, '']);
    const json = await runWithStub(secretCommand, ['show', '-y', '--json'], reveal, undefined, {}, fakeIo({ stdin: '' }));
    expect(JSON.parse(json.io.stdout)).toEqual({ secret: TOKEN, token: true });
  });

  it('passes the service\'s not-joined on; usage errors are exit 2', async () => {
    await expect(runWithStub(secretCommand, ['show', '--yes'], { revealSecret: new ControlError('not-joined', 'no mesh secret is stored on this node') }))
      .rejects.toMatchObject({ code: 'not-joined' });
    const io = fakeIo();
    expect(await run(['secret', 'print'], io)).toBe(2);
    expect(await run(['secret', 'show', 'extra'], fakeIo())).toBe(2);
  });
});
