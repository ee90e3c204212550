/** One step of the gate: do something, usually call `next()` for the rest of the chain, return. */
export type Step<C, R> = (ctx: C, next: () => Promise<R>) => Promise<R>;

/**
 * Composes steps into one function, outermost first. The last step must not call `next`;
 * calling `next` twice from one step is a bug and rejects.
 */
export function compose<C, R>(steps: readonly Step<C, R>[]): (ctx: C) => Promise<R> {
  return (ctx) => {
    let last = -1;
    const dispatch = async (i: number): Promise<R> => {
      if (i <= last) throw new Error('next() called more than once by one gate step');
      last = i;
      const step = steps[i];
      if (step === undefined) throw new Error('the last gate step called next()');
      return step(ctx, () => dispatch(i + 1));
    };
    return dispatch(0);
  };
}
