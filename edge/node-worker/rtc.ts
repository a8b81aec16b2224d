/**
 * @module WebRTC in Node for group peers and hosts (issue 16): node-datachannel's W3C
 * polyfill (libdatachannel), so shared/groups runs unchanged. `bindAddress` keeps ICE on
 * one interface: tests bind loopback, as they must never send traffic elsewhere.
 */
import { PeerConnection } from 'node-datachannel';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import type { PeerConnectionFactory } from '../../shared/groups/rtc.ts';

let made = 0;

/** A peer-connection factory; with `bindAddress`, candidates are gathered on that address only. */
export function nodePeerConnections(bindAddress?: string): PeerConnectionFactory {
  return (config) => {
    const iceServers = (config.iceServers ?? []).flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]));
    const peerConnection = new PeerConnection(`group-${++made}`, { iceServers, ...(bindAddress ? { bindAddress } : {}) });
    return new RTCPeerConnection({ ...config, peerConnection }) as unknown as globalThis.RTCPeerConnection;
  };
}
