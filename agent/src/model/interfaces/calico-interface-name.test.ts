import { createHash } from 'node:crypto';
import { calicoInterfaceName } from './calico-interface-name.js';

describe('calicoInterfaceName', () => {
  it('is cali + the first 11 hex chars of sha1("<namespace>.<pod>"), as Calico names the host veth', () => {
    // echo -n sample.nginx | sha1sum
    const expected = 'cali' + createHash('sha1').update('sample.nginx').digest('hex').slice(0, 11);
    expect(calicoInterfaceName('sample', 'nginx')).toBe(expected);
    expect(calicoInterfaceName('sample', 'nginx')).toHaveLength(15);
  });

  it('matches a value computed outside Node (printf sample.nginx | sha1sum → c247ca12e50a...)', () => {
    expect(calicoInterfaceName('sample', 'nginx')).toBe('calic247ca12e50');
  });

  it('uses the configured prefix and keeps 11 hash chars, like Calico with FELIX_INTERFACEPREFIX', () => {
    const name = calicoInterfaceName('sample', 'nginx', 'tap');
    expect(name.startsWith('tap')).toBe(true);
    expect(name).toHaveLength(14);
    expect(name.slice(3)).toBe(calicoInterfaceName('sample', 'nginx').slice(4));
  });

  it('differs by namespace and by pod', () => {
    expect(calicoInterfaceName('a', 'b.c')).not.toBe(calicoInterfaceName('a.b', 'c2'));
    expect(calicoInterfaceName('ns1', 'p')).not.toBe(calicoInterfaceName('ns2', 'p'));
  });
});
