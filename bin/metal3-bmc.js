#!/usr/bin/env node
// metal3-bmc: check and drive a BMC from the command line (see shared/src/bmc/cli.ts).
// Node >= 22.18 / 24 runs the TypeScript sources directly (type stripping).
import { main } from '../shared/src/bmc/cli.ts';

await main();
