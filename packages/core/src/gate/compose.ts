/** One step of the gate: do something, usually call `next()` for the rest of the chain, return. */
export type Step<C, R> = (ctx: C, next: () => Promise<R>) => Promise<R>;

/**
 * Composes steps into one function, outermost first. The last step must not call `next`;
 * calling `next` twice from one step is a bug and rejects.
 */
export function compose<C, R>(steps: readonly Step<C, R>[]): (ctx: C) => Promise<R> {
  return (ctx) => {
    let last = -1;
    const dispatch = (i: number): Promise<R> => {
      if (i <= last) return Promise.reject(new Error('next() called more than once by one gate step'));
      last = i;
      const step = steps[i];
      if (step === undefined) return Promise.reject(new Error('the last gate step called next()'));
      try {
        return step(ctx, () => dispatch(i + 1));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return dispatch(0);
  };
}
