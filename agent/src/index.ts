// Library API (DESIGN §3): exported from the package root and built to dist/.
export { VERSION } from './version.js';
export { parseSelector } from './model/selector/parse-selector.js';
export type { Selector } from './model/selector/parse-selector.js';
export { SelectorSyntaxError } from './model/selector/selector-syntax-error.js';
export { calicoInterfaceName } from './model/interfaces/calico-interface-name.js';
