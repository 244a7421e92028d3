import { parseManifest } from './parse-manifests.js';

const V3 = 'projectcalico.org/v3';

describe('parseManifest', () => {
  it('reads multi-document YAML: pods, namespaces and DPIs of the configured apiVersion; ignores the rest', () => {
    const text = [
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: sample, labels: {team: web}}',
      'apiVersion: projectcalico.org/v3\nkind: DeepPacketInspection\nmetadata: {name: dpi, namespace: sample}\nspec: {selector: k8s-app == "nginx"}',
      'apiVersion: crd.projectcalico.org/v1\nkind: DeepPacketInspection\nmetadata: {name: old, namespace: sample}\nspec: {selector: all()}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: sample, labels: {k8s-app: nginx}}\nstatus: {podIP: 10.0.0.1}',
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}',
      '',
    ].join('\n---\n');
    const out = parseManifest('/m/a.yaml', text, V3);
    expect(out.malformed).toBe(false);
    expect(out.errors).toEqual([]);
    expect(out.namespaces).toEqual([{ name: 'sample', labels: { team: 'web' } }]);
    expect(out.resources).toEqual([{ namespace: 'sample', name: 'dpi', selector: 'k8s-app == "nginx"' }]);
    expect(out.pods.map((p) => `${p.namespace}/${p.name} ${p.podIPs.join(',')}`)).toEqual(['sample/p 10.0.0.1']);
    expect(out.ignored).toEqual(['crd.projectcalico.org/v1/DeepPacketInspection sample/old', 'v1/Service s']);
  });

  it('honours another dpiApiVersion', () => {
    const text = 'apiVersion: crd.projectcalico.org/v1\nkind: DeepPacketInspection\nmetadata: {name: old, namespace: ns}\nspec: {selector: all()}';
    expect(parseManifest('f', text, 'crd.projectcalico.org/v1').resources).toHaveLength(1);
    expect(parseManifest('f', text, V3).resources).toHaveLength(0);
  });

  it('reads kind: List and typed lists whose items omit kind', () => {
    const list = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a, namespace: n}\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: n}\n';
    const out = parseManifest('f', list, V3);
    expect(out.pods.map((p) => p.name)).toEqual(['a']);
    expect(out.namespaces.map((n) => n.name)).toEqual(['n']);
    const podList = 'apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: b, namespace: n}\n';
    expect(parseManifest('f', podList, V3).pods.map((p) => p.name)).toEqual(['b']);
  });

  it('reads JSON (kubectl get -o json)', () => {
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j', namespace: 'n' } }] });
    expect(parseManifest('f.json', json, V3).pods.map((p) => p.name)).toEqual(['j']);
  });

  it('a syntax error makes the file malformed and names the path and line', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b\n';
    const out = parseManifest('/m/bad.yaml', text, V3);
    expect(out.malformed).toBe(true);
    expect(out.pods).toEqual([]);
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]?.file).toBe('/m/bad.yaml');
    expect(out.errors[0]?.line).toBeGreaterThanOrEqual(8);
    expect(out.errors[0]?.message).toMatch(/^\/m\/bad\.yaml: line \d+, column \d+: /);
  });

  it('an object without a name is skipped alone, with the line of its document', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: Pod\nmetadata: {}\n';
    const out = parseManifest('/m/x.yaml', text, V3);
    expect(out.malformed).toBe(false);
    expect(out.pods.map((p) => p.name)).toEqual(['ok']);
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]?.line).toBe(5);
    expect(out.errors[0]?.message).toContain('metadata.name');
  });

  it('a document that is not an object is an error; empty documents are fine', () => {
    const out = parseManifest('f', '---\n- a\n- b\n---\n', V3);
    expect(out.errors[0]?.message).toContain('must be an object');
    expect(parseManifest('f', '', V3)).toMatchObject({ malformed: false, errors: [], pods: [] });
  });

  it('an empty selector is kept (status reports it), not dropped', () => {
    const text = 'apiVersion: projectcalico.org/v3\nkind: DeepPacketInspection\nmetadata: {name: e, namespace: n}\nspec: {}\n';
    expect(parseManifest('f', text, V3).resources).toEqual([{ namespace: 'n', name: 'e', selector: '' }]);
  });
});
