/**
 * zod compiles object parsers with `new Function` when it may. The page's CSP has no
 * 'unsafe-eval', and even zod's guarded probe for it is reported as a CSP violation; so it is
 * switched off here. zod reads the setting when each schema is created, so this module must be
 * the first import of the entry, before any module that defines a schema.
 */
import { z } from 'zod';

z.config({ jitless: true });
