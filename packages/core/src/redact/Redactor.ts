export const REDACTED = '[REDACTED]';

/** Secrets shorter than this cannot be told apart from ordinary text, so they are refused. */
export const MIN_SECRET_LENGTH = 8;

const MAX_PASSES = 8;

/**
 * Removes the exact value of every secret from strings and from any JSON-like value, wherever it
 * appears: in arguments, error messages, upstream bodies or stack traces.
 */
export class Redactor {
  readonly #secrets: readonly string[];

  constructor(secrets: Iterable<string> = []) {
    const unique = new Set<string>();
    for (const secret of secrets) {
      assertRedactable(secret);
      unique.add(secret);
      // A secret inside JSON text (an upstream body kept as a string) appears in escaped form.
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret) unique.add(escaped);
    }
    // Longest first, so a secret that contains another is removed whole.
    this.#secrets = [...unique].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.#secrets.length;
  }

  /** A redactor that also removes these extra values (for example a sensitive argument of one call). */
  with(extra: Iterable<string>): Redactor {
    const more = [...extra].filter((value) => value.length >= MIN_SECRET_LENGTH && isSafeSecret(value));
    return more.length === 0 ? this : new Redactor([...this.#secrets, ...more]);
  }

  string(text: string): string {
    if (this.#secrets.length === 0) return text;
    let current = text;
    // Replacing one occurrence can join the marker with the text around it into a new occurrence
    // (a secret starting with "]" for example); repeat until nothing is found, and fail closed.
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let changed = false;
      for (const secret of this.#secrets) {
        if (current.includes(secret)) {
          current = current.replaceAll(secret, REDACTED);
          changed = true;
        }
      }
      if (!changed) return current;
    }
    return this.#secrets.some((secret) => current.includes(secret)) ? REDACTED : current;
  }

  /**
   * The value with every string (keys included) redacted. Copy on write: parts that hold no secret
   * are shared with the input, which is never changed.
   */
  value<T>(value: T): T {
    if (this.#secrets.length === 0) return value;
    return this.#walk(value, 0) as T;
  }

  #walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.string(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth > 64) return REDACTED;
    if (value instanceof Error) return this.string(String(value.stack ?? value.message));
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = this.#walk(value[i], depth + 1);
        if (item !== value[i]) {
          copy ??= value.slice();
          copy[i] = item;
        }
      }
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const original = (value as Record<string, unknown>)[key];
      const item = this.#walk(original, depth + 1);
      const safeKey = this.string(key);
      if (item !== original || safeKey !== key) {
        copy ??= { ...(value as Record<string, unknown>) };
        if (safeKey !== key) delete copy[key];
        copy[safeKey] = item;
      }
    }
    return copy ?? value;
  }
}

function isSafeSecret(secret: string): boolean {
  return !REDACTED.includes(secret) && !secret.includes(REDACTED);
}

function assertRedactable(secret: string): void {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(
      `A configured secret is shorter than ${MIN_SECRET_LENGTH} characters; it cannot be redacted reliably. ` +
        'Use a real credential or remove it from the secrets list.',
    );
  }
  if (!isSafeSecret(secret)) {
    throw new TypeError(
      `A configured secret overlaps the redaction marker ${REDACTED}; choose another value.`,
    );
  }
}
