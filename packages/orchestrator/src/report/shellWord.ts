/** Quotes a value for a POSIX shell command line, so a suggested command can be pasted as is. */
export const shellWord = (value: string): string =>
  /^[\w.:@%+=,/-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;

/** The command that resumes a nightly run: the same run key, and whatever else the caller passes. */
export function resumeCommand(runKey: string, base = 'tollgate run nightly'): string {
  return `${base} --run-key ${shellWord(runKey)}`;
}
