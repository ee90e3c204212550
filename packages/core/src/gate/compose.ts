/** One step of the gate: do something, usually call `next()` for the rest of the chain, return. */
export type Step<C, R> = (ctx: C, next: () => Promise<R>) => Promise<R>;

/**
 * Composes steps into one function, outermost first. The last step must not call `next`;
 * calling `next` twice from one step is a bug and rejects.
 */
export function compose<C, R>(steps: readonly Step<C, R>[]): (ctx: C) => Promise<R> {
  return (ctx) => new Chain(steps, ctx).dispatch(0);
}

/** One run through the steps. A class, so a call allocates one object and one `next` per step. */
class Chain<C, R> {
  readonly #steps: readonly Step<C, R>[];
  readonly #ctx: C;
  #last = -1;

  constructor(steps: readonly Step<C, R>[], ctx: C) {
    this.#steps = steps;
    this.#ctx = ctx;
  }

  dispatch(i: number): Promise<R> {
    if (i <= this.#last) return Promise.reject(new Error('next() called more than once by one gate step'));
    this.#last = i;
    const step = this.#steps[i];
    if (step === undefined) return Promise.reject(new Error('the last gate step called next()'));
    try {
      return step(this.#ctx, () => this.dispatch(i + 1));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
