/**
 * @module The host's panel of a group (issue 16), the same for a volunteer group (on the
 * volunteer page) and a customer's private pool (on its job's page): the invite as a link
 * with the code in the URL fragment (never sent to a server or in a Referer) and the code
 * itself, the seats left, one row per peer (state, units done, units per minute, kernel bytes
 * sent), the results waiting for upload, and Stop hosting / Close group. While it hosts, a
 * {@link GroupHost} runs in this tab: it computes nothing itself, it passes the kernel and
 * units to the peers and uploads their signed results from its IndexedDB outbox.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createApiClient } from '../../../shared/api/client.ts';
import { hostApi } from '../../../shared/groups/client.ts';
import { GroupHost, type HostEvent, type PeerView } from '../../../shared/groups/host.ts';
import type { GroupStatus } from '../../../shared/groups/schemas.ts';
import { createKernelSource } from '../../../shared/volunteer/kernel-source.ts';
import { useText } from '../../i18n/index.ts';
import { CopyButton } from '../../lib/copy-button.tsx';
import { describeError, problemOf } from '../../lib/errors.ts';
import type { HostedGroup } from '../../storage/db.ts';
import { idbGroupOutboxStore, idbKernelCache } from '../../storage/work-store.ts';
import './groups.css';

/** Problems the panel lists (newest first): enough to see a pattern, never an unbounded list. */
export const HOST_PANEL_PROBLEMS_MAX = 5;

/** The link a peer opens: the code in the fragment, so it never reaches a server's logs. */
export const inviteLink = (invite: string) => `${location.origin}/join#${invite}`;

export interface HostPanelProps {
  group: HostedGroup;
  /** The host's credential: a volunteer token (or none: the session cookie), or a customer's API key for a pool. */
  token: string | undefined;
  /** Hosting was stopped or resumed here (the caller keeps it, so a reload does the same). */
  onHostingChange(hosting: boolean): void;
  /** The group was closed here, or is gone from the server, and the host asked for a new one: the caller forgets it. */
  onDone(): void;
}

/** Seats charged so far: reception notices, or approved (claimed, not declined) seats. */
function billedSeats(status: GroupStatus | undefined, billing: 'seat' | 'notice'): number {
  if (!status) return 0;
  return status.peers.filter((p) => (billing === 'notice' ? p.received : p.state === 'claimed')).length;
}

export function HostPanel({ group, token, onHostingChange, onDone }: HostPanelProps) {
  const t = useText().groups.panel;
  const tp = useText().groups.pool;
  const api = useMemo(() => hostApi(group.kind, { token }), [group.kind, token]);
  const [status, setStatus] = useState<GroupStatus>();
  const [polls, setPolls] = useState(0);
  const [peers, setPeers] = useState<PeerView[]>([]);
  const [outbox, setOutbox] = useState({ waiting: 0, offline: false });
  const [sent, setSent] = useState(0);
  const [problems, setProblems] = useState<{ id: number; text: string }[]>([]);
  const [hosting, setHosting] = useState(group.hosting);
  const [ended, setEnded] = useState<'closed' | 'gone'>();
  const [closing, setClosing] = useState(false);
  const host = useRef<GroupHost>();
  const problemId = useRef(0);

  const note = (text: string) => setProblems((ps) => [{ id: ++problemId.current, text }, ...ps].slice(0, HOST_PANEL_PROBLEMS_MAX));

  // The group as the server has it now: gone (expired long ago, another identity's) ends the panel.
  useEffect(() => {
    let alive = true;
    api.status(group.groupId).then(
      (s) => alive && (setStatus(s), s.closed && setEnded('closed')),
      (err: unknown) => alive && (problemOf(err)?.status === 404 ? setEnded('gone') : note(describeError(err))),
    );
    return () => {
      alive = false;
    };
  }, [api, group.groupId]);

  const live = hosting && !ended;
  useEffect(() => {
    if (!live) return;
    const kernels = createKernelSource({ api: createApiClient({ token }), cache: idbKernelCache() });
    const h = new GroupHost({
      api,
      groupId: group.groupId,
      kernelBytes: () => kernels.bytes(group.kernel),
      createPeerConnection: (c) => new RTCPeerConnection(c),
      store: idbGroupOutboxStore(group.groupId),
      onEvent: (e: HostEvent) => {
        if (host.current !== h) return;
        switch (e.type) {
          case 'status':
            setStatus(e.status);
            setPolls((n) => n + 1);
            if (e.status.closed) setEnded('closed');
            return;
          case 'peers':
            return setPeers(e.peers);
          case 'outbox':
            return setOutbox({ waiting: e.waiting, offline: e.offline });
          case 'sent':
            setSent((n) => n + 1);
            return setOutbox((o) => ({ ...o, waiting: h.outboxSize }));
          case 'dropped':
            return note(`${e.reason} (seat ${e.seatId}, lease ${e.leaseId})`);
          case 'released':
            return;
          case 'error':
            return note(e.message);
        }
      },
    });
    host.current = h;
    void h.start().then(() => setOutbox((o) => ({ ...o, waiting: h.outboxSize })));
    return () => {
      host.current = undefined;
      // Results already held keep uploading; peers are told bye and go back to the server.
      void h.stop();
    };
  }, [live, api, token, group.groupId, group.kernel]);

  function setHostingTo(next: boolean): void {
    setHosting(next);
    onHostingChange(next);
  }

  async function close(): Promise<void> {
    setClosing(true);
    try {
      const h = host.current;
      if (h) await h.close();
      else await api.close(group.groupId);
      setEnded('closed');
    } catch (err) {
      note(t.closeFailed(describeError(err)));
    } finally {
      setClosing(false);
    }
  }

  const link = inviteLink(group.invite);
  const seatsLeft = status?.seatsLeft ?? group.seats;
  const expires = new Date(status?.expiresAt ?? group.expiresAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const state = ended ?? (hosting ? 'hosting' : 'stopped');
  return (
    <section class="card group-panel" data-testid="group-panel" data-group={group.groupId} data-state={state} aria-labelledby="group-panel-title">
      <div class="section-head">
        <h2 id="group-panel-title">{group.kind === 'pools' ? t.poolTitle : t.title}</h2>
        <span class="small muted">{t.kernel(group.kernel.id, group.kernel.version)}</span>
      </div>
      <p class={`status-banner status-${state === 'hosting' ? 'running' : 'stopped'}`} role="status" data-testid="group-state">
        {state === 'hosting' ? t.hosting : state === 'stopped' ? t.stopped : state === 'closed' ? t.closed : t.gone}
      </p>

      {!ended && (
        <div class="group-invite">
          <label for="group-invite-link">{t.inviteLabel}</label>
          <div class="group-invite-row">
            <a id="group-invite-link" class="mono" data-testid="group-invite-link" href={link} target="_blank" rel="noreferrer noopener">
              {link}
            </a>
            <CopyButton text={link} label={t.copyLink} />
          </div>
          <p class="small">
            {t.code}: <span class="mono" data-testid="group-invite-code">{group.invite}</span> <CopyButton text={group.invite} label={t.copyCode} />
          </p>
          <p class="help">{t.inviteHelp}</p>
        </div>
      )}

      <p data-testid="group-seats-left" data-left={seatsLeft} data-polls={polls}>
        <strong>{t.seatsLeft(seatsLeft, status?.seats ?? group.seats)}</strong> {!ended && t.expires(expires)}
      </p>
      {group.billing && (
        <p class="small" data-testid="group-billed" data-billed={billedSeats(status, group.billing)}>
          {tp.billed(billedSeats(status, group.billing), group.billing)}
        </p>
      )}

      <h3>{t.peersTitle}</h3>
      {peers.length === 0 ? (
        <p class="muted small">{t.noPeers}</p>
      ) : (
        <table class="group-peers">
          <thead>
            <tr>
              <th scope="col">{t.columns.seat}</th>
              <th scope="col">{t.columns.state}</th>
              <th scope="col">{t.columns.units}</th>
              <th scope="col">{t.columns.perMinute}</th>
              <th scope="col">{t.columns.kernelBytes}</th>
              <th scope="col">{t.columns.detail}</th>
            </tr>
          </thead>
          <tbody>
            {peers.map((p) => (
              <tr key={p.seatId} data-testid="group-peer-row" data-seat={p.seatId} data-state={p.state} data-units={p.unitsDone} data-kernel-bytes={p.kernelBytesSent}>
                <td>{p.seatId}</td>
                <td>{t.peerStates[p.state] ?? p.state}</td>
                <td>{p.unitsDone}</td>
                <td>{p.unitsPerMinute.toFixed(1)}</td>
                <td>{p.kernelBytesSent.toLocaleString()}</td>
                <td class="small">{p.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <p class="small" data-testid="group-outbox" data-waiting={outbox.waiting} data-offline={outbox.offline} data-sent={sent}>
        {t.outbox(outbox.waiting)} · {t.sent(sent)}
      </p>
      {outbox.offline && outbox.waiting > 0 && (
        <p class="alert alert-warning small" role="status" data-testid="group-outbox-offline">
          {t.outboxOffline}
        </p>
      )}

      <div class="form-actions">
        {!ended && (
          <button type="button" class={hosting ? 'button button-small' : 'button button-small button-start'} data-testid="group-stop" onClick={() => setHostingTo(!hosting)}>
            {hosting ? t.stop : t.resume}
          </button>
        )}
        {!ended && (
          <button type="button" class="button button-small button-stop" data-testid="group-close" disabled={closing} onClick={() => void close()}>
            {closing ? t.closing : t.close}
          </button>
        )}
        {ended && (
          <button type="button" class="button button-small" data-testid="group-another" onClick={onDone}>
            {t.another}
          </button>
        )}
      </div>

      {problems.length > 0 && (
        <section class="alert alert-error small" data-testid="group-problems" aria-label={t.errorsTitle}>
          <ul>
            {problems.map((p) => (
              <li key={p.id}>{p.text}</li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
