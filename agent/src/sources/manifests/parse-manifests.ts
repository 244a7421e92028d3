// Pure: one manifest file's text → the objects the store keeps (Pods, Namespaces, DeepPacketInspections of
// the configured apiVersion), plus errors that name the file and line. The text is multi-document YAML or
// JSON, or a `kind: List` as `kubectl get -o yaml` writes it. A syntax error anywhere makes the whole file
// malformed (`malformed: true`): the caller keeps the objects it had from that file, because half a file is
// a worse guess than the last good one. An object that parses but is unusable (no metadata.name) is skipped
// alone, with its own error.
import { LineCounter, isMap, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { DPI_KIND, namespaceFromObject, podFromObject, resourceFromObject } from '../convert.js';
import type { DpiResource, NamespaceInfo, PodInfo } from '../../model/types.js';
import { errorMessageOf } from '../../platform/errors.js';

export interface ManifestError {
  /** The file path: plans and status show it where a resource key would go. */
  file: string;
  /** 1-based line, when known. */
  line?: number;
  message: string;
}

export interface ManifestObjects {
  pods: PodInfo[];
  namespaces: NamespaceInfo[];
  resources: DpiResource[];
}

export interface ParsedManifest extends ManifestObjects {
  /** True when the file does not parse: its previous objects should be kept. */
  malformed: boolean;
  errors: ManifestError[];
  /** Objects of other kinds or apiVersions, for a debug log: "apiVersion/kind ns/name". */
  ignored: string[];
}

type Obj = Record<string, unknown>;

export function parseManifest(file: string, text: string, dpiApiVersion: string): ParsedManifest {
  const out: ParsedManifest = { pods: [], namespaces: [], resources: [], malformed: false, errors: [], ignored: [] };
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const docs: Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
  // Only the first syntax error: the ones after it are usually its echo.
  const syntax = docs.flatMap((d) => d.errors)[0];
  if (syntax !== undefined) {
    const pos = syntax.linePos?.[0] ?? lineCounter.linePos(syntax.pos[0]);
    out.errors.push({ file, line: pos.line, message: `${file}: line ${pos.line}, column ${pos.col}: ${firstLine(syntax.message)}` });
    out.malformed = true;
    return out;
  }
  for (const doc of docs) {
    if (doc.contents === null) continue;
    const line = lineOf(lineCounter, doc.contents.range?.[0] ?? 0);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      out.malformed = true;
      out.errors.push({ file, line, message: `${file}: line ${line}: ${firstLine(errorMessageOf(err))}` });
      return out;
    }
    if (value === null || value === undefined) continue;
    const obj = asObject(value);
    if (!obj) {
      out.errors.push({ file, line, message: `${file}: line ${line}: a manifest document must be an object, not ${describe(value)}` });
      continue;
    }
    if (obj['kind'] === 'List' || (typeof obj['kind'] === 'string' && obj['kind'].endsWith('List') && Array.isArray(obj['items']))) {
      const items = Array.isArray(obj['items']) ? obj['items'] : [];
      const itemNodes = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
      items.forEach((item, i) => {
        const node = isSeq(itemNodes) ? (itemNodes.items[i] as YamlNode | undefined) : undefined;
        const itemLine = node?.range ? lineOf(lineCounter, node.range[0]) : line;
        addObject(out, file, itemLine, item, dpiApiVersion, obj['kind'] === 'List' ? undefined : String(obj['kind']).slice(0, -4));
      });
      continue;
    }
    addObject(out, file, line, obj, dpiApiVersion, undefined);
  }
  return out;
}

function addObject(out: ParsedManifest, file: string, line: number, value: unknown, dpiApiVersion: string, listKind: string | undefined): void {
  const obj = asObject(value);
  if (!obj) {
    out.errors.push({ file, line, message: `${file}: line ${line}: a list item must be an object, not ${describe(value)}` });
    return;
  }
  // `kubectl get pods -o yaml` (a PodList) may omit kind/apiVersion on items.
  const kind = typeof obj['kind'] === 'string' ? obj['kind'] : listKind;
  const apiVersion = typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : kind === 'Pod' || kind === 'Namespace' ? 'v1' : undefined;
  try {
    if (kind === 'Pod' && apiVersion === 'v1') out.pods.push(podFromObject(obj));
    else if (kind === 'Namespace' && apiVersion === 'v1') out.namespaces.push(namespaceFromObject(obj));
    else if (kind === DPI_KIND && apiVersion === dpiApiVersion) out.resources.push(resourceFromObject(obj));
    else out.ignored.push(`${apiVersion ?? '?'}/${kind ?? '?'} ${nameOf(obj)}`);
  } catch (err) {
    out.errors.push({ file, line, message: `${file}: line ${line}: ${kind ?? 'object'} skipped: ${errorMessageOf(err)}` });
  }
}

function lineOf(counter: LineCounter, offset: number): number {
  return counter.linePos(offset).line;
}

function asObject(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

function nameOf(obj: Obj): string {
  const meta = asObject(obj['metadata']);
  const name = typeof meta?.['name'] === 'string' ? meta['name'] : '?';
  return typeof meta?.['namespace'] === 'string' ? `${meta['namespace']}/${name}` : name;
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
