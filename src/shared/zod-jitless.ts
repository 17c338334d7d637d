/**
 * zod compiles object parsers with `new Function` when it may. The renderer's CSP has no
 * 'unsafe-eval', and even zod's guarded probe for it is reported as a CSP violation; so it is
 * switched off here, for the renderer and the preload (which runs beside the same page). zod
 * reads the setting when each schema is created, so this module must be the first import of an
 * entry, before any module that defines a schema. Pure: no Node APIs.
 */
import { z } from 'zod';

z.config({ jitless: true });
