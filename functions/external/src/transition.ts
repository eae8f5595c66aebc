/**
 * @module external/transition: the external function's definition: its name and its pure
 * decision (the table in ./decide.ts). The shell is shared/src/handler/external-runtime.ts.
 */
import type { ExternalFunction } from '../../../shared/src/handler/external-runtime.ts';
import { decideExternal } from './decide.ts';

export const external: ExternalFunction = { name: 'external', decide: decideExternal };
