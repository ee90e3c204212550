import * as z from 'zod';

export const seedSchema = z.union([z.number(), z.string()]);

export const listenOptionsSchema = z.object({
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  host: z.enum(['127.0.0.1', '::1', 'localhost']).optional(),
  /** Default 0: any free port. */
  port: z.number().int().min(0).max(65_535).optional(),
});
