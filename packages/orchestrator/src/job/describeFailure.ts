/** An error's message for an operator, saying so when the cause is a full disk (PGlite says "could not extend file"). */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || /could not extend file|No space left on device/i.test(message))
    return `${message} (the disk is full)`;
  return message;
}
