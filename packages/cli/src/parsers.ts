import { InvalidArgumentError } from 'commander';

/** A TCP port, 0 meaning "any free one". */
export function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new InvalidArgumentError('expected a port 0-65535');
  return parsed;
}

/** A whole number above zero. */
export function positive(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError('expected a whole number above 0');
  return parsed;
}
