// Local end-to-end harness: "pods" as network namespaces joined to the host by veth pairs whose host side is
// named the way Calico names it, with IPs and routes, plus the manifests that describe them. Used by the e2e
// suite (e2e/*.e2e.test.ts) and by `make demo`. Needs root (ip netns, ip link).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Calico's host-side veth name: prefix + the first (15 - prefix length) hex chars of sha1("<namespace>.<pod>"). */
export function calicoName(namespace, pod, prefix = 'cali') {
  return prefix + createHash('sha1').update(`${namespace}.${pod}`).digest('hex').slice(0, 15 - prefix.length);
}

function ip(...args) {
  return execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function tryIp(...args) {
  try {
    ip(...args);
  } catch {
    // cleanup of something that is already gone
  }
}

/**
 * A set of namespaced "pods" on this host. Pod i gets netns `<prefix>-<i>`, host side 10.<net>.<i>.1/24 on the
 * Calico-named veth, pod side 10.<net>.<i>.2/24 on eth0 with a default route back through the host.
 */
export class PodNetwork {
  constructor({ prefix = 'kdpi', net = 251, nodeName = 'e2e-node' } = {}) {
    this.prefix = prefix;
    this.net = net;
    this.nodeName = nodeName;
    /** @type {Map<string, any>} */
    this.pods = new Map();
    this.servers = [];
  }

  /**
   * @param {{ namespace: string, name: string, labels?: Record<string, string>, serviceAccount?: string, index?: number, http?: boolean }} pod
   */
  addPod({ namespace, name, labels = {}, serviceAccount = 'default', index, http: serveHttp = true }) {
    const i = index ?? this.pods.size + 1;
    const netns = `${this.prefix}-${i}`;
    const iface = calicoName(namespace, name);
    const hostIp = `10.${this.net}.${i}.1`;
    const podIp = `10.${this.net}.${i}.2`;
    this.removeLeftovers(netns, iface);
    ip('netns', 'add', netns);
    ip('link', 'add', iface, 'type', 'veth', 'peer', 'name', `${this.prefix}p${i}`);
    ip('link', 'set', `${this.prefix}p${i}`, 'netns', netns);
    ip('-n', netns, 'link', 'set', `${this.prefix}p${i}`, 'name', 'eth0');
    ip('-n', netns, 'addr', 'add', `${podIp}/24`, 'dev', 'eth0');
    ip('-n', netns, 'link', 'set', 'eth0', 'up');
    ip('-n', netns, 'link', 'set', 'lo', 'up');
    ip('-n', netns, 'route', 'add', 'default', 'via', hostIp);
    ip('addr', 'add', `${hostIp}/24`, 'dev', iface);
    ip('link', 'set', iface, 'up');
    const pod = { namespace, name, labels, serviceAccount, index: i, netns, iface, hostIp, podIp };
    this.pods.set(`${namespace}/${name}`, pod);
    if (serveHttp) this.serveHttp(pod);
    return pod;
  }

  /** A tiny HTTP server inside the pod, so requests cross the veth as real TCP sessions. */
  serveHttp(pod) {
    const child = spawn('ip', ['netns', 'exec', pod.netns, 'python3', '-m', 'http.server', '8080', '--bind', pod.podIp], {
      stdio: 'ignore',
      detached: false,
    });
    this.servers.push(child);
    pod.server = child;
  }

  /** Deletes the pod's host interface (as the CNI does when a pod goes away); the netns goes too. */
  removePod(namespace, name) {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod) return;
    pod.server?.kill('SIGKILL');
    tryIp('link', 'del', pod.iface);
    tryIp('netns', 'del', pod.netns);
    this.pods.delete(`${namespace}/${name}`);
  }

  removeLeftovers(netns, iface) {
    tryIp('link', 'del', iface);
    tryIp('netns', 'del', netns);
  }

  cleanup() {
    for (const child of this.servers) child.kill('SIGKILL');
    for (const pod of [...this.pods.values()]) this.removePod(pod.namespace, pod.name);
  }

  /** Kubernetes objects for every pod, as `kubectl get -o yaml` would show the fields the agent reads. */
  podObjects() {
    return [...this.pods.values()].map((p) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: p.name, namespace: p.namespace, labels: p.labels, uid: `uid-${p.namespace}-${p.name}` },
      spec: { nodeName: this.nodeName, serviceAccountName: p.serviceAccount, containers: [{ name: 'main', image: 'nginx' }] },
      status: { phase: 'Running', podIP: p.podIp, podIPs: [{ ip: p.podIp }] },
    }));
  }
}

export function namespaceObject(name, labels = {}) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

export function dpiObject(namespace, name, selector, apiVersion = 'projectcalico.org/v3') {
  return { apiVersion, kind: 'DeepPacketInspection', metadata: { name, namespace }, spec: { selector } };
}

/** Writes objects as one multi-document YAML file (atomically: the agent watches the folder). */
export function writeManifestFile(dir, fileName, objects) {
  mkdirSync(dir, { recursive: true });
  const text = objects.map((o) => stringify(o)).join('---\n');
  const tmp = join(dir, `.${fileName}.tmp`);
  writeFileSync(tmp, text);
  execFileSync('mv', ['-f', tmp, join(dir, fileName)]);
}

export function removeManifestFile(dir, fileName) {
  rmSync(join(dir, fileName), { force: true });
}

/** A plain HTTP GET from the host into a pod; resolves with the status code (or 0 when it failed). */
export function httpGet(url, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** ICMP echo from inside a pod to its host side (community rules 1:366 / 1:408 / 1:29456 match Linux ping). */
export function ping(pod, count = 1) {
  try {
    execFileSync('ip', ['netns', 'exec', pod.netns, 'ping', '-c', String(count), '-i', '0.2', '-W', '1', pod.hostIp], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/** The request community rule 1:1122 ("SERVER-WEBAPP /etc/passwd file access attempt") catches. */
export function maliciousRequest(pod) {
  return httpGet(`http://${pod.podIp}:8080/cgi-bin/view?file=/etc/passwd`);
}

/** Resolves once the pod's HTTP server answers (python's http.server takes a moment to bind). */
export function waitForHttp(pod, timeoutMs = 15000) {
  return waitFor(async () => (await benignRequest(pod)) !== 0, { timeoutMs, what: `HTTP server in ${pod.netns}` });
}

export function benignRequest(pod) {
  return httpGet(`http://${pod.podIp}:8080/index.html`);
}

export async function waitFor(predicate, { timeoutMs = 20000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
