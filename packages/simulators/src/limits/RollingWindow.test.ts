import { describe, expect, it } from 'vitest';
import { RollingWindow } from './RollingWindow.ts';

describe('RollingWindow', () => {
  it('frees each slot exactly one interval after it was used', () => {
    const window = new RollingWindow(2, 1000);
    expect(window.take(0).allowed).toBe(true);
    expect(window.take(500).allowed).toBe(true);
    expect(window.take(999)).toMatchObject({ allowed: false, remaining: 0, resetAt: 1000 });
    expect(window.take(1000).allowed).toBe(true);
    expect(window.take(1001).allowed).toBe(false);
    expect(window.take(1500).allowed).toBe(true);
  });

  it('does not let a boundary burst through, unlike a fixed window', () => {
    const window = new RollingWindow(3, 1000);
    for (const t of [997, 998, 999]) expect(window.take(t).allowed).toBe(true);
    expect(window.take(1000).allowed).toBe(false);
    expect(window.peek(1000).remaining).toBe(0);
  });
});
