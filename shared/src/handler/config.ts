/**
 * @module handler/config: function configuration, parsed once from the
 * environment with zod; a bad value fails the start with a clear message.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { ABANDONED_NODE_AFTER_MS } from '../ironic/states.ts';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

export const FunctionConfigSchema = z.object({
  IRONIC_URL: z.url().default('http://127.0.0.1:6385'),
  /** HTTP basic auth for Ironic (`auth_strategy = http_basic`); from a Secret, both or neither */
  IRONIC_USERNAME: z.string().default(''),
  IRONIC_PASSWORD: z.string().default(''),
  /** PEM file of the CA that signed Ironic's certificate */
  IRONIC_CA_BUNDLE: z.string().default(''),
  /** send Ironic credentials over plain http:// (a loopback test bed only) */
  IRONIC_INSECURE_HTTP_AUTH: bool.default(false),
  /** accept the test-only fake:// BMC scheme (maps to Ironic's fake-hardware) */
  ENABLE_FAKE_BMC: bool.default(false),
  /** JSON: Ironic interface overrides per BMC type, e.g. {"ipmi":{"deploy":"ramdisk","boot":"pxe"}} */
  IRONIC_INTERFACES: z.string().default('{}'),
  /** ipmi_cipher_suite for IPMI nodes (0 = Ironic's default probing; OpenIPMI's ipmi_sim needs 3) */
  IPMI_CIPHER_SUITE: int(0),
  /** CA bundle path Ironic uses to verify Redfish BMCs (redfish_verify_ca) */
  REDFISH_CA_BUNDLE: z.string().default(''),
  /** deploy kernel/ramdisk for ramdisk-deploy hosts (the test bed serves dummies) */
  DEPLOY_KERNEL_URL: z.string().default(''),
  DEPLOY_RAMDISK_URL: z.string().default(''),
  /** base of the error backoff (upstream: 60 s, so 2^n minutes) */
  BACKOFF_BASE_MS: int(60_000),
  /** check BMC credentials directly before involving Ironic */
  BMC_PRECHECK: bool.default(true),
  /** `ironic` (default): Ironic manages every host; `direct`: no Ironic, only power and inventory through the BMC */
  MANAGEMENT_MODE: z.enum(['ironic', 'direct']).default('ironic'),
  /** reply with the next step's event when another function owns it */
  REPLY_EVENTS: bool.default(true),
  /**
   * `source` prefixes accepted; empty = any. A filter on what the sender says about itself, not a
   * security boundary: anyone can write any `source`. Authentication is EVENT_AUTH.
   */
  ALLOWED_SOURCES: z.string().default(''),
  /**
   * Verify the caller of every request: `tokenreview` (deployed: the bearer token must pass a Kubernetes
   * TokenReview for EVENT_AUDIENCE, and its identity may send only the types the policy table allows);
   * `off` (the default when unset, for a function started outside a cluster; the manifests set `tokenreview`).
   */
  EVENT_AUTH: z.enum(['off', 'tokenreview']).default('off'),
  /** the audience tokens must be issued for; empty = `serving.knative.dev/service/<EVENT_NAMESPACE>/bmh-<function>` */
  EVENT_AUDIENCE: z.string().default(''),
  /** namespace of the Triggers whose identities deliver to us (policy table names) */
  EVENT_NAMESPACE: z.string().default('metal3'),
  /** JSON {"<identity>": ["<event type>", …]} replacing the policy table's senders (e.g. other Knative naming) */
  EVENT_SENDERS: z.string().default(''),
  /** an Ironic node left this long without a lock in a conductor state (e.g. `deploying`) is reported as abandoned */
  IRONIC_ABANDONED_AFTER_MS: int(ABANDONED_NODE_AFTER_MS),
  /**
   * upstream's PROVISIONING_LIMIT: at most this many hosts inspecting, preparing, provisioning or
   * deprovisioning at once (virtual-media hosts exempt); the rest wait as `delayed`. 0 = no limit
   */
  PROVISIONING_LIMIT: int(20),
  /** steps (observe → decide → act) one invocation may take before yielding */
  MAX_STEPS: int(12),
});

export type FunctionConfig = z.infer<typeof FunctionConfigSchema> & {
  interfaces: Record<string, Record<string, string>>;
  allowedSources: string[];
};

/** The Ironic connection options for createIronicClient, from the configuration (reads the CA bundle file). */
export function ironicConnectionOf(config: Pick<FunctionConfig, 'IRONIC_URL' | 'IRONIC_USERNAME' | 'IRONIC_PASSWORD' | 'IRONIC_CA_BUNDLE' | 'IRONIC_INSECURE_HTTP_AUTH'>): {
  url: string; auth?: { username: string; password: string }; caPem?: string; allowInsecureAuth: boolean;
} {
  if ((config.IRONIC_USERNAME === '') !== (config.IRONIC_PASSWORD === '')) {
    throw new Error('invalid function configuration: IRONIC_USERNAME and IRONIC_PASSWORD are set together or not at all');
  }
  return {
    url: config.IRONIC_URL,
    ...(config.IRONIC_USERNAME === '' ? {} : { auth: { username: config.IRONIC_USERNAME, password: config.IRONIC_PASSWORD } }),
    ...(config.IRONIC_CA_BUNDLE === '' ? {} : { caPem: readFileSync(config.IRONIC_CA_BUNDLE, 'utf8') }),
    allowInsecureAuth: config.IRONIC_INSECURE_HTTP_AUTH,
  };
}

/** The Ironic connection settings alone (the watcher reads these too). */
export const IronicConnectionSchema = FunctionConfigSchema.pick({ IRONIC_URL: true, IRONIC_USERNAME: true, IRONIC_PASSWORD: true, IRONIC_CA_BUNDLE: true, IRONIC_INSECURE_HTTP_AUTH: true });

export function loadFunctionConfig(env: Record<string, string | undefined> = process.env): FunctionConfig {
  const r = FunctionConfigSchema.safeParse(env);
  if (!r.success) throw new Error(`invalid function configuration:\n${z.prettifyError(r.error)}`);
  const parseJson = (name: string, text: string): Record<string, Record<string, never>> => {
    try {
      const v = JSON.parse(text) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
      return v as Record<string, Record<string, never>>;
    } catch (e) {
      throw new Error(`invalid function configuration: ${name} is not a JSON object (${(e as Error).message})`);
    }
  };
  return {
    ...r.data,
    interfaces: parseJson('IRONIC_INTERFACES', r.data.IRONIC_INTERFACES),
    allowedSources: r.data.ALLOWED_SOURCES.split(',').map((s) => s.trim()).filter(Boolean),
  };
}
