import { z } from 'zod';

/** Variables: string values; numbers and booleans are taken as their text, as YAML users expect. */
export const varsField = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'var names are letters, digits, _ . -'), z.union([z.string(), z.number(), z.boolean()]).transform(String));
