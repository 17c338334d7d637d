import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ndjsonLines } from './transport';

const lines = async (chunks: Buffer[]): Promise<string[]> => {
  const out: string[] = [];
  for await (const l of ndjsonLines(Readable.from(chunks) as unknown as IncomingMessage)) out.push(l);
  return out;
};

describe('ndjsonLines', () => {
  it('keeps a character whole when its bytes are split between chunks', async () => {
    const text = Buffer.from('{"h":"café · ✓"}\n{"n":2}');
    const cut = text.indexOf(Buffer.from('✓')) + 1; // inside the 3-byte sequence
    expect(await lines([text.subarray(0, cut), text.subarray(cut)])).toEqual(['{"h":"café · ✓"}', '{"n":2}']);
  });

  it('skips blank lines and yields a last line without a newline', async () => {
    expect(await lines([Buffer.from('a\n\n  \nb')])).toEqual(['a', 'b']);
  });
});
