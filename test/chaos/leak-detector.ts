/**
 * @module chaos/leak-detector: the secrets a run uses (BMC passwords, user
 * data) and every place they must never show up. Each text written by the
 * system — log line, CloudEvent, Kubernetes Event, status — is scanned as it
 * passes; hits are kept with where they were found (the secret itself is
 * never stored in a hit).
 */

export interface LeakHit { where: string; secretLabel: string; excerpt: string }

export interface LeakDetector {
  /** a value that must never appear (values under 6 characters are refused: they would match by chance) */
  add(label: string, value: string): void;
  scan(where: string, text: string): void;
  readonly scanned: Readonly<Record<string, number>>;
  readonly hits: readonly LeakHit[];
}

export function createLeakDetector(): LeakDetector {
  const secrets = new Map<string, string>();
  const scanned: Record<string, number> = {};
  const hits: LeakHit[] = [];
  return {
    add: (label, value) => {
      if (value.length < 6) throw new Error(`secret ${label} is too short to detect reliably`);
      secrets.set(value, label);
    },
    scan: (where, text) => {
      scanned[where] = (scanned[where] ?? 0) + 1;
      for (const [value, label] of secrets) {
        const at = text.indexOf(value);
        if (at >= 0) hits.push({ where, secretLabel: label, excerpt: text.slice(Math.max(0, at - 80), at).replaceAll(value, '<secret>') + '<secret>' });
      }
    },
    scanned, hits,
  };
}
