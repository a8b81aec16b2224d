/**
 * @module Hosting a group from a page (issue 16): the group this browser hosts in a scope
 * (`volunteer` on the volunteer page, `pool:<jobId>` on a job's page) is kept in IndexedDB,
 * so a reload shows its panel again and goes on hosting; without one the page shows its
 * form. {@link VolunteerHosting} makes volunteer groups, {@link PoolHosting} private pools.
 */
import { useEffect, useState } from 'preact/hooks';
import { groupCreation } from '../../../shared/groups/client.ts';
import type { CreatedGroup } from '../../../shared/groups/schemas.ts';
import { forgetHostedGroup, getHostedGroup, saveHostedGroup, type HostedGroup } from '../../storage/db.ts';
import { GroupForm } from './group-form.tsx';
import { HostPanel } from './host-panel.tsx';
import { PoolForm, type PoolChoice } from './pool-form.tsx';

type Hosted = { status: 'loading' } | { status: 'none' } | { status: 'ready'; group: HostedGroup };

/** The group hosted in `scope`: read once, then kept as the page changes it. */
function useHostedGroup(scope: string) {
  const [hosted, setHosted] = useState<Hosted>({ status: 'loading' });
  useEffect(() => {
    let alive = true;
    getHostedGroup(scope).then(
      (group) => alive && setHosted(group ? { status: 'ready', group } : { status: 'none' }),
      // No storage (a private window that refuses IndexedDB): the page can still host, unkept.
      () => alive && setHosted({ status: 'none' }),
    );
    return () => {
      alive = false;
    };
  }, [scope]);
  return {
    hosted,
    host(group: HostedGroup): void {
      setHosted({ status: 'ready', group });
      void saveHostedGroup(group).catch(() => undefined);
    },
    setHosting(hosting: boolean): void {
      setHosted((h) => {
        if (h.status !== 'ready') return h;
        const group = { ...h.group, hosting };
        void saveHostedGroup(group).catch(() => undefined);
        return { status: 'ready', group };
      });
    },
    forget(): void {
      setHosted({ status: 'none' });
      void forgetHostedGroup(scope).catch(() => undefined);
    },
  };
}

const hostedOf = (scope: string, kind: HostedGroup['kind'], created: CreatedGroup, seats: number, billing?: 'seat' | 'notice'): HostedGroup => ({
  scope,
  kind,
  groupId: created.groupId,
  invite: created.invite,
  kernel: created.kernel,
  seats,
  expiresAt: created.expiresAt,
  ...(billing ? { billing } : {}),
  hosting: true,
});

/** The volunteer page's "Host a group": `token` is the volunteer's (undefined: its session cookie); `ready` once the identity is known. */
export function VolunteerHosting({ token, ready }: { token: string | undefined; ready: boolean }) {
  const scope = 'volunteer';
  const { hosted, host, setHosting, forget } = useHostedGroup(scope);
  if (hosted.status === 'loading') return null;
  if (hosted.status === 'ready') return <HostPanel group={hosted.group} token={token} onHostingChange={setHosting} onDone={forget} />;
  return (
    <GroupForm
      ready={ready}
      onCreate={async ({ seats, ttlMs, kernel }) => {
        const created = await groupCreation({ token }).createGroup({ seats, ttlMs, kernel });
        host(hostedOf(scope, 'groups', created, seats));
      }}
    />
  );
}

/** A job page's "Private pool", hosted with the customer's API key; bought for a running job only. */
export function PoolHosting({ jobId, apiKey, running, jobQuorum }: { jobId: string; apiKey: string; running: boolean; jobQuorum: number | undefined }) {
  const scope = `pool:${jobId}`;
  const { hosted, host, setHosting, forget } = useHostedGroup(scope);
  if (hosted.status === 'loading') return null;
  if (hosted.status === 'ready') return <HostPanel group={hosted.group} token={apiKey} onHostingChange={setHosting} onDone={forget} />;
  // An ended job without a pool: nothing to buy, nothing to show.
  if (!running) return null;
  return (
    <PoolForm
      jobQuorum={jobQuorum}
      onCreate={async ({ seats, ttlMs, billing, quorum }: PoolChoice) => {
        const created = await groupCreation({ token: apiKey }).createPool({ jobId, seats, ttlMs, billing, ...(quorum === undefined ? {} : { quorum }) });
        host(hostedOf(scope, 'pools', created, seats, billing));
      }}
    />
  );
}
