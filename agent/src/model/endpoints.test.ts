import { endpointLabels, isEndpointPod, podToEndpoint } from './endpoints.js';
import { parseSelector } from './selector/parse-selector.js';
import type { PodInfo } from './types.js';

function pod(overrides: Partial<PodInfo> = {}): PodInfo {
  return {
    namespace: 'shop',
    name: 'web-1',
    uid: 'u1',
    nodeName: 'node-a',
    hostNetwork: false,
    phase: 'Running',
    podIPs: ['10.0.0.5'],
    labels: { app: 'web' },
    serviceAccount: 'default',
    ...overrides,
  };
}

describe('isEndpointPod', () => {
  it.each<[string, Partial<PodInfo>, string | undefined, boolean]>([
    ['a running pod on this node', {}, 'node-a', true],
    ['a pod on another node', { nodeName: 'node-b' }, 'node-a', false],
    ['an unscheduled pod', { nodeName: undefined }, 'node-a', false],
    ['any node when node is undefined', { nodeName: 'node-b' }, undefined, true],
    ['an unscheduled pod with an IP when node is undefined', { nodeName: undefined }, undefined, true],
    ['a host-networked pod', { hostNetwork: true }, 'node-a', false],
    ['a Succeeded pod', { phase: 'Succeeded' }, 'node-a', false],
    ['a Failed pod', { phase: 'Failed' }, 'node-a', false],
    ['a Completed pod (older API)', { phase: 'Completed' }, 'node-a', false],
    ['a Pending pod with an IP', { phase: 'Pending' }, 'node-a', true],
    ['an Unknown-phase pod', { phase: 'Unknown' }, 'node-a', true],
    ['a pod without a phase', { phase: undefined }, 'node-a', true],
    ['a terminating pod', { terminating: true }, 'node-a', false],
    ['a pod without IPs', { podIPs: [] }, 'node-a', false],
    ['a pod with only an empty IP', { podIPs: [''] }, 'node-a', false],
    ['a dual-stack pod', { podIPs: ['10.0.0.5', 'fd00::5'] }, 'node-a', true],
  ])('%s → %s', (_name, overrides, node, expected) => {
    expect(isEndpointPod(pod(overrides), node)).toBe(expected);
  });
});

describe('endpointLabels', () => {
  it('adds the projectcalico.org labels and the inherited namespace and service-account labels', () => {
    const labels = endpointLabels(pod(), { name: 'shop', labels: { team: 'a', 'kubernetes.io/metadata.name': 'shop' } });
    expect(labels).toEqual({
      app: 'web',
      'projectcalico.org/namespace': 'shop',
      'projectcalico.org/orchestrator': 'k8s',
      'projectcalico.org/serviceaccount': 'default',
      'pcns.team': 'a',
      'pcns.kubernetes.io/metadata.name': 'shop',
      'pcns.projectcalico.org/name': 'shop',
      'pcsa.projectcalico.org/name': 'default',
    });
  });

  it('drops the pod\'s own pcns./pcsa. labels so a pod cannot claim namespace labels', () => {
    const labels = endpointLabels(pod({ labels: { 'pcns.team': 'evil', 'pcsa.x': 'y', pcnsx: 'kept', 'a.pcns.b': 'kept' } }), {
      name: 'shop',
      labels: {},
    });
    expect(labels['pcns.team']).toBeUndefined();
    expect(labels['pcsa.x']).toBeUndefined();
    expect(labels['pcnsx']).toBe('kept');
    expect(labels['a.pcns.b']).toBe('kept');
  });

  it('lets the projectcalico.org labels override pod labels of the same key, as Calico does', () => {
    const labels = endpointLabels(
      pod({ labels: { 'projectcalico.org/namespace': 'other', 'projectcalico.org/orchestrator': 'x', 'projectcalico.org/serviceaccount': 'x' } }),
      undefined,
    );
    expect(labels['projectcalico.org/namespace']).toBe('shop');
    expect(labels['projectcalico.org/orchestrator']).toBe('k8s');
    expect(labels['projectcalico.org/serviceaccount']).toBe('default');
  });

  it('sets pcns.projectcalico.org/name even without the Namespace object, and over a namespace label of that key', () => {
    expect(endpointLabels(pod(), undefined)['pcns.projectcalico.org/name']).toBe('shop');
    const labels = endpointLabels(pod(), { name: 'shop', labels: { 'projectcalico.org/name': 'fake' } });
    expect(labels['pcns.projectcalico.org/name']).toBe('shop');
  });

  it('ignores a Namespace object of another namespace', () => {
    expect(endpointLabels(pod(), { name: 'other', labels: { team: 'a' } })['pcns.team']).toBeUndefined();
  });

  it('omits the service-account labels for an empty name and projectcalico.org/serviceaccount from 63 characters', () => {
    const none = endpointLabels(pod({ serviceAccount: '' }), undefined);
    expect(none['projectcalico.org/serviceaccount']).toBeUndefined();
    expect(none['pcsa.projectcalico.org/name']).toBeUndefined();
    const sa62 = 's'.repeat(62);
    expect(endpointLabels(pod({ serviceAccount: sa62 }), undefined)['projectcalico.org/serviceaccount']).toBe(sa62);
    const sa63 = 's'.repeat(63);
    const long = endpointLabels(pod({ serviceAccount: sa63 }), undefined);
    expect(long['projectcalico.org/serviceaccount']).toBeUndefined();
    expect(long['pcsa.projectcalico.org/name']).toBe(sa63);
  });

  it('is what Calico-style selectors see', () => {
    const labels = endpointLabels(pod(), { name: 'shop', labels: { env: 'prod' } });
    for (const sel of [
      'app == "web"',
      'projectcalico.org/namespace == "shop"',
      'projectcalico.org/orchestrator == "k8s"',
      'projectcalico.org/serviceaccount == "default"',
      'pcns.env == "prod"',
      'pcns.projectcalico.org/name == "shop"',
      'pcsa.projectcalico.org/name == "default"',
    ]) {
      expect([sel, parseSelector(sel).matches(labels)]).toEqual([sel, true]);
    }
  });
});

describe('podToEndpoint', () => {
  it('keeps the pod identity, its IPs (without empties) and its own labels untouched', () => {
    const p = pod({ podIPs: ['10.0.0.5', '', 'fd00::5'], labels: { app: 'web', 'pcns.x': 'y' } });
    const e = podToEndpoint(p, undefined);
    expect(e).toEqual({
      namespace: 'shop',
      pod: 'web-1',
      uid: 'u1',
      ips: ['10.0.0.5', 'fd00::5'],
      labels: expect.objectContaining({ app: 'web', 'projectcalico.org/namespace': 'shop' }),
      podLabels: { app: 'web', 'pcns.x': 'y' },
    });
    expect(e.labels['pcns.x']).toBeUndefined();
    expect(e.podLabels).not.toBe(p.labels);
  });

  it('has no uid field when the pod has none', () => {
    expect('uid' in podToEndpoint(pod({ uid: undefined }), undefined)).toBe(false);
  });
});
