// A throwaway CA and a server certificate for 127.0.0.1, made with the openssl CLI (Node can parse X.509 but
// not issue it), so TLS tests run against a server whose certificate Node does not trust by default — as a
// production Elasticsearch with its own CA is.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificates {
  /** PEM paths. */
  caFile: string;
  keyFile: string;
  certFile: string;
  /** PEM text of the server's key and certificate, for https.createServer. */
  key: string;
  cert: string;
}

/** Writes ca.pem, server.key and server.pem (valid for IP 127.0.0.1 and localhost, 2 days) into `dir`. */
export function makeTestCertificates(dir: string): TestCertificates {
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=kube-dpi test CA');
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-out', file('server.pem'), '-days', '2', '-extfile', file('server.ext'));
  return {
    caFile: file('ca.pem'),
    keyFile: file('server.key'),
    certFile: file('server.pem'),
    key: readFileSync(file('server.key'), 'utf8'),
    cert: readFileSync(file('server.pem'), 'utf8'),
  };
}
