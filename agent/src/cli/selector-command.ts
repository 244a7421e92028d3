import { NotImplementedError } from '../platform/errors.js';
import type { Command } from './command.js';

export const selectorCommand: Command = {
  name: 'selector',
  summary: 'parse a Calico selector, print its canonical form, and test it against labels',
  usage: "selector '<expr>' [--labels '{\"k\":\"v\"}']",
  description: [
    'Parses a Calico selector and prints its canonical form (as Calico prints it). With --labels, prints',
    'whether the selector matches those labels. Exits 1 with the error position when the selector is invalid.',
  ].join('\n'),
  positionals: { min: 1, max: 1, name: 'selector expression' },
  async run() {
    throw new NotImplementedError('the selector command (`kube-dpi selector`)');
  },
};
