// Library API (DESIGN §3): exported from the package root and built to dist/.
export { VERSION } from './version.js';
