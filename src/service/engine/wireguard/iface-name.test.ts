import { describe, expect, it } from 'vitest';
import { assertInterfaceName, validateInterfaceName } from './iface-name';

describe('validateInterfaceName (spec 4.1, 6.1.11)', () => {
  it.each(['wg0', 'cloudroof0', 'mesh-1', 'corp_vpn', 'w', 'abcdefghijklmno'])('accepts %j on Linux', (name) => {
    expect(validateInterfaceName(name, 'linux')).toBeNull();
  });

  it.each([
    ['abcdefghijklmnop', /16 bytes, at most 15/],
    ['0wg', /start with a letter/],
    ['-custom', /start with a letter/],
    ['_iface', /start with a letter/],
    ['..', /start with a letter/],
    ['.', /start with a letter/],
    ['foo/bar', /only letters/],
    ['foo\\bar', /only letters/],
    ['wg0;rm -rf /', /only letters/],
    ['$', /start with a letter/],
    ['wg`id`', /only letters/],
    ['wg"0', /only letters/],
    ["wg'0", /only letters/],
    ['wg|0', /only letters/],
    ['wg&0', /only letters/],
    ['wg 0', /only letters/],
    ['wg\u00000', /only letters/],
    ['wgé', /only letters/],
    ['', /must not be empty/],
    ['all', /Linux reserves it/],
    ['default', /Linux reserves it/],
  ])('rejects %j on Linux', (name, why) => {
    expect(validateInterfaceName(name, 'linux')).toMatch(why);
  });

  it.each([['utun20', null], ['utun0', null], ['wg0', /utun followed by digits/], ['utun', /utun/], ['utun1a', /utun/], ['utun1/', /utun/]])(
    'macOS %j', (name, result) => {
      const r = validateInterfaceName(name, 'darwin');
      if (result === null) expect(r).toBeNull();
      else expect(r).toMatch(result);
    },
  );

  it('assertInterfaceName throws the message', () => {
    expect(() => assertInterfaceName('0wg', 'linux')).toThrow('invalid interface name "0wg": it must start with a letter');
    expect(() => assertInterfaceName('wg0', 'linux')).not.toThrow();
  });
});
