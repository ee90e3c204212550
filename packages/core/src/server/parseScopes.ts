/**
 * Reads a server's granted scopes from a setting such as `CRM_SCOPES="accounts:read leads:read"`.
 * Empty or unset grants every scope the server's tools declare; an unknown scope is a start-up
 * error naming the valid ones, because a typo must not silently grant less (or more) than meant.
 */
export function parseScopes(value: string | undefined, known: readonly string[], setting: string): string[] {
  const wanted = (value ?? '').split(/[\s,]+/).filter(Boolean);
  if (wanted.length === 0) return [...known];
  const unknown = wanted.filter((scope) => !known.includes(scope));
  if (unknown.length > 0) {
    throw new Error(
      `${setting} names unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}. Known: ${known.join(' ')}.`,
    );
  }
  return [...new Set(wanted)];
}
