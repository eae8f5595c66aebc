import { runLifecycle } from '../bench/scenarios/lifecycle.ts';
const r = await runLifecycle({ mode: 'event-driven', hosts: 4, powerDrifts: 4, steadyWindowMs: 60_000, pollActiveMs: 500, pollIdleMs: 1000, log: console.log });
console.log(JSON.stringify(r.latencyMs));
