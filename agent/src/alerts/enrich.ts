// Pure: a normalised alert + the endpoint directory → who was inspected and who the peer was.
// The inspected pod comes from the interface that produced the alert (Snort writes the packet thread's
// interface in `iface`, FACTS §4), never guessed from IPs. The peer is looked up by the other address; which
// address is the pod's own is decided by the inspected pod's IPs.
import type { EndpointDirectory, InspectedEndpoint } from './endpoint-directory.js';
import type { NormalisedAlert } from './normalise.js';

export type InspectedSide = 'source' | 'destination' | undefined;

export interface EnrichedAlert {
  alert: NormalisedAlert;
  node: string;
  inspected: InspectedEndpoint | undefined;
  /** Which address of the alert is the inspected pod's. */
  inspectedSide: InspectedSide;
  peer: InspectedEndpoint | undefined;
}

export function enrichAlert(alert: NormalisedAlert, directory: EndpointDirectory, node: string): EnrichedAlert {
  const inspected = alert.iface === undefined ? undefined : directory.endpointForInterface(alert.iface);
  let inspectedSide: InspectedSide;
  let peerIp: string | undefined;
  const src = alert.source?.ip;
  const dst = alert.destination?.ip;
  if (inspected) {
    if (src !== undefined && inspected.ips.includes(src)) {
      inspectedSide = 'source';
      peerIp = dst;
    } else if (dst !== undefined && inspected.ips.includes(dst)) {
      inspectedSide = 'destination';
      peerIp = src;
    }
  }
  let peer = peerIp === undefined ? undefined : directory.endpointForIp(peerIp);
  if (peer && inspected && peer.namespace === inspected.namespace && peer.pod === inspected.pod) peer = undefined;
  return { alert, node, inspected, inspectedSide, peer };
}
