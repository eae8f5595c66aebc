/**
 * @module external/decide: THE table of external requests. Each row says which Kubernetes write a
 * request stands for, and so which API permission its sender must hold (asked with a
 * SubjectAccessReview before anything is written). Pure: no I/O.
 *
 * The writes are exactly what a user with that permission could make with kubectl: an upstream
 * annotation on a host, `spec.online`, a HostClaim created or deleted. None touches status, so no
 * external event can make a host look healthier; the functions that own the host act on the write
 * as on any user's.
 */
import type { ExternalChange, ExternalWrite } from '../../../shared/src/handler/external-runtime.ts';
import { HOST_ANNOTATIONS } from '../../../shared/src/api/constants.ts';
import type { ResourceAccess } from '../../../shared/src/k8s/access-review.ts';
import type { ExternalData, ExternalRequest, ParsedExternalEvent } from '../../../events/src/external.ts';
import { targetOf } from '../../../events/src/external.ts';


interface Row<R extends ExternalRequest> {
  /** one line for the catalogue */
  why: string;
  verb: ResourceAccess['verb'];
  resource: 'baremetalhosts' | 'hostclaims';
  /** the kubectl command a user with the permission would type */
  kubectl: string;
  write(data: ExternalData[R]): ExternalWrite;
}

export const ExternalTriggers: { [R in ExternalRequest]: Row<R> } = {
  // upstream's one-shot reboot annotation; the power function reboots and removes it
  reboot: {
    why: 'reboot the host once (hard, or soft falling back to hard)', verb: 'patch', resource: 'baremetalhosts',
    kubectl: `kubectl annotate bmh <name> ${HOST_ANNOTATIONS.RebootPrefix}='{"mode":"hard"}'`,
    write: (d) => ({ do: 'annotateHost', annotation: HOST_ANNOTATIONS.RebootPrefix, value: d.mode ? JSON.stringify({ mode: d.mode }) : '' }),
  },
  // upstream's re-inspection request on an available host; the inspect function consumes it
  inspect: {
    why: 'inspect an available host again', verb: 'patch', resource: 'baremetalhosts',
    kubectl: `kubectl annotate bmh <name> ${HOST_ANNOTATIONS.Inspect}=''`,
    write: () => ({ do: 'annotateHost', annotation: HOST_ANNOTATIONS.Inspect, value: '' }),
  },
  // desired power; the power function enforces it
  power: {
    why: 'power the host on or off', verb: 'patch', resource: 'baremetalhosts',
    kubectl: 'kubectl patch bmh <name> --type merge -p \'{"spec":{"online":false}}\'',
    write: (d) => ({ do: 'setHostOnline', online: d.online }),
  },
  // a tenant's request for a machine; the claim function binds it
  claim: {
    why: 'ask for a machine: a HostClaim in the tenant\'s namespace', verb: 'create', resource: 'hostclaims',
    kubectl: 'kubectl create -f hostclaim.yaml',
    write: (d) => ({ do: 'createClaim', spec: d.spec }),
  },
  // giving the machine back; the claim function releases and deprovisions the host
  release: {
    why: 'give the machine back: delete the HostClaim', verb: 'delete', resource: 'hostclaims',
    kubectl: 'kubectl delete hostclaim <name>',
    write: () => ({ do: 'deleteClaim' }),
  },
};

/** The change an external event asks for, and the permission it needs. */
export function decideExternal(e: ParsedExternalEvent): ExternalChange {
  const target = targetOf(e);
  const row = ExternalTriggers[e.request] as Row<ExternalRequest>;
  const write = row.write(e.data as never);
  const access: ResourceAccess = {
    verb: row.verb, group: 'metal3.io', resource: row.resource, namespace: target.namespace,
    // the API server authorises a create without a name: a sender allowed to create claims may name any
    name: row.verb === 'create' ? '' : target.name,
  };
  return { target, access, write, summary: describeWrite(write, row.resource, target) };
}

function describeWrite(w: ExternalWrite, resource: string, t: { namespace: string; name: string }): string {
  const object = `${resource === 'baremetalhosts' ? 'baremetalhost' : 'hostclaim'} ${t.namespace}/${t.name}`;
  switch (w.do) {
    case 'annotateHost': return `annotate ${object} ${w.annotation}=${JSON.stringify(w.value)}`;
    case 'setHostOnline': return `set ${object} spec.online=${w.online}`;
    case 'createClaim': return `create ${object}`;
    case 'deleteClaim': return `delete ${object}`;
  }
}
