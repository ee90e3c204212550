import { describe, expect, it } from 'vitest';
import { FixedWindow } from './FixedWindow.ts';

describe('FixedWindow', () => {
  it('admits up to the limit per window and resets at the boundary', () => {
    const window = new FixedWindow(2, 1000, 0);
    expect(window.take(10).allowed).toBe(true);
    expect(window.take(20)).toMatchObject({ allowed: true, remaining: 0, resetAt: 1000 });
    expect(window.take(999).allowed).toBe(false);
    expect(window.take(1000)).toMatchObject({ allowed: true, remaining: 1, resetAt: 2000 });
  });

  it('lets a burst at the end of one window and another at the start of the next both pass', () => {
    const window = new FixedWindow(3, 1000, 0);
    for (const t of [997, 998, 999, 1000, 1001, 1002]) expect(window.take(t).allowed).toBe(true);
    expect(window.take(1003).allowed).toBe(false);
  });
});
