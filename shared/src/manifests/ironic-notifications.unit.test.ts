/**
 * Ironic's notifications on by default: Ironic publishes to a bundled RabbitMQ, the watcher subscribes,
 * and every credential comes from the installer's `ironic-notifications` Secret, never from a rendered
 * manifest or ConfigMap.
 */
import { describe, expect, it } from '@jest/globals';
import type { IIoK8sApiCoreV1Container } from 'kubernetes-models/v1/Container';
import { buildIronicConfig, buildIronicDeployment, renderClusterIronicConf } from './ironic.ts';
import {
  buildAllIronicNotifications, buildIronicNotificationsDeployment, buildIronicNotificationsService, IRONIC_NOTIFICATIONS_SECRET,
  renderRabbitmqConf, UNCONSUMED_QUEUE_MAX_LENGTH, UNCONSUMED_QUEUE_PATTERN,
} from './ironic-notifications.ts';
import { AMQP_PORT } from './names.ts';
import { withDefaults } from './options.ts';
import { buildBase, renderManifests } from './render.ts';
import { buildWatcher } from './watcher.ts';

const o = withDefaults();
type Env = NonNullable<IIoK8sApiCoreV1Container['env']>[number];
const envOf = (c: IIoK8sApiCoreV1Container): Record<string, Env> => Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
const fromSecret = (key: string) => ({ valueFrom: { secretKeyRef: { name: IRONIC_NOTIFICATIONS_SECRET, key } } });

describe('Ironic publishes its versioned notifications', () => {
  it('renders ironic.conf with notifications at info through messagingv2, and no transport URL', () => {
    // Act
    const conf = renderClusterIronicConf(['ipmi', 'redfish']);
    // Assess: the URL carries the password, so it is not in the ConfigMap
    expect(conf).toMatch(/^\[DEFAULT\]\n(?:.+\n)*notification_level = info$/m);
    expect(conf).toMatch(/^\[oslo_messaging_notifications\]\ndriver = messagingv2\nretry = 2$/m);
    expect(conf).not.toMatch(/transport_url/);
    expect(buildIronicConfig(o).data!['ironic.conf']).toBe(conf);
  });

  it('gives Ironic the transport URL and the watcher the AMQP URL, both from the installer\'s Secret', () => {
    // Act
    const ironic = envOf(buildIronicDeployment(o).spec!.template.spec!.containers[0]!);
    const watcher = envOf(buildWatcher(o).spec!.template.spec!.containers[0]!);
    // Assess: oslo.config reads OS_<GROUP>__<OPTION>
    expect(ironic.OS_OSLO_MESSAGING_NOTIFICATIONS__TRANSPORT_URL).toEqual({ name: 'OS_OSLO_MESSAGING_NOTIFICATIONS__TRANSPORT_URL', ...fromSecret('transport-url') });
    expect(watcher.IRONIC_NOTIFICATIONS_URL).toEqual({ name: 'IRONIC_NOTIFICATIONS_URL', ...fromSecret('amqp-url') });
  });

  it('never renders a credential: no manifest or ConfigMap holds a broker URL, a password value or the Secret itself', () => {
    // Prepare
    const rendered = Object.entries(renderManifests()).filter(([path]) => path.startsWith('manifests/'));
    const objects = Object.values(buildBase(o)).flat().map((m) => JSON.parse(JSON.stringify(m)) as { kind: string; spec?: any });
    // Act
    const containers = objects.flatMap((m) => [m.spec?.template?.spec?.containers ?? []].flat()) as IIoK8sApiCoreV1Container[];
    const refs = containers.flatMap((c) => (c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef?.name === IRONIC_NOTIFICATIONS_SECRET));
    // Assess
    for (const [path, text] of rendered) expect([path, text]).not.toEqual([path, expect.stringMatching(/rabbit:\/\/|amqps?:\/\/|transport_url/)]);
    expect(objects.filter((m) => m.kind === 'Secret')).toEqual([]);
    expect(refs.map((e) => `${e.name}=${e.valueFrom!.secretKeyRef!.key}`).sort()).toEqual([
      'IRONIC_NOTIFICATIONS_URL=amqp-url', 'OS_OSLO_MESSAGING_NOTIFICATIONS__TRANSPORT_URL=transport-url',
      'RABBITMQ_DEFAULT_PASS=password', 'RABBITMQ_DEFAULT_USER=username',
    ]);
    for (const e of refs) expect(e.value).toBeUndefined();
  });
});

describe('the bundled RabbitMQ', () => {
  it('validates every object against its schema', () => {
    for (const m of buildAllIronicNotifications(o)) expect(() => m.validate()).not.toThrow();
  });

  it('runs one broker from the official image pinned to a release, as the Secret\'s user, restricted, with nothing persisted', () => {
    // Act
    const deployment = buildIronicNotificationsDeployment(o);
    const pod = deployment.spec!.template.spec!;
    const c = pod.containers[0]!;
    // Assess
    expect(deployment.spec!.replicas).toBe(1);
    expect(deployment.spec!.strategy?.type).toBe('Recreate');
    expect(c.image).toMatch(/^docker\.io\/library\/rabbitmq:\d+\.\d+(\.\d+)?-alpine$/);
    expect(envOf(c)).toEqual({
      RABBITMQ_DEFAULT_USER: { name: 'RABBITMQ_DEFAULT_USER', ...fromSecret('username') },
      RABBITMQ_DEFAULT_PASS: { name: 'RABBITMQ_DEFAULT_PASS', ...fromSecret('password') },
    });
    expect(c.ports).toEqual([{ name: 'amqp', containerPort: AMQP_PORT }]);
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect(probe?.tcpSocket).toEqual({ port: AMQP_PORT });
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    const data = c.volumeMounts!.find((v) => v.mountPath === '/var/lib/rabbitmq')!;
    expect(pod.volumes!.find((v) => v.name === data.name)).toEqual({ name: data.name, emptyDir: {} });
  });

  it('serves AMQP on a ClusterIP Service', () => {
    const spec = buildIronicNotificationsService(o).spec!;
    expect(spec.type).toBe('ClusterIP');
    expect(spec.ports).toEqual([{ name: 'amqp', port: AMQP_PORT, targetPort: AMQP_PORT, protocol: 'TCP' }]);
    expect(spec.selector).toEqual(buildIronicNotificationsDeployment(o).spec!.selector.matchLabels);
  });

  it('caps the per-priority queues nobody consumes with an operator policy it applies on start, and logs to stdout only', () => {
    // Prepare
    const conf = renderRabbitmqConf();
    const pattern = new RegExp(UNCONSUMED_QUEUE_PATTERN);
    // Assess
    expect(conf).toContain(`default_policies.operator.ironic-notifications-cap.queue_pattern = ${UNCONSUMED_QUEUE_PATTERN}\n`);
    expect(conf).toContain(`default_policies.operator.ironic-notifications-cap.max_length = ${UNCONSUMED_QUEUE_MAX_LENGTH}\n`);
    expect(UNCONSUMED_QUEUE_MAX_LENGTH).toBe(1000);
    for (const q of ['ironic_versioned_notifications.info', 'ironic_versioned_notifications.error']) expect(q).toMatch(pattern);
    for (const q of ['ironic_versioned_notifications', 'xironic_versioned_notifications.info', 'bmh-watcher']) expect(q).not.toMatch(pattern);
    expect(conf).toMatch(/^log\.file = false$/m);
    expect(conf).toMatch(/^log\.console = true$/m);
    // the ConfigMap is all of conf.d
    const c = buildIronicNotificationsDeployment(o).spec!.template.spec!.containers[0]!;
    expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'config', mountPath: '/etc/rabbitmq/conf.d', readOnly: true }]));
  });
});
