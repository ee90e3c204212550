import * as z from 'zod';
import { httpAuthSettings } from './httpAuth.ts';

/**
 * A server's settings: `stdio`, what every start reads, and `http`, the bearer-token auth settings
 * read only with `--http`, under the server's prefix (as before: a stray auth variable never stops a stdio server). `check`
 * holds the rules between the server's own settings.
 */
export function serverSchemas<P extends string, S extends Record<string, z.ZodType>>(
  prefix: P,
  shape: S,
  check: (settings: z.output<z.ZodObject<S>>, ctx: z.RefinementCtx) => void = () => undefined,
) {
  return {
    stdio: z.object(shape).superRefine(check),
    http: httpAuthSettings(prefix),
  };
}
