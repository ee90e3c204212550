import type { NightlyResult } from '@tollgate/orchestrator';
import { describe, expect, it } from 'vitest';
import { testReport } from '../../orchestrator/test/testReport.ts';
import { EXIT, exitStatus, signalExit } from './nightlyEnding.ts';

function result(status: 'completed' | 'interrupted' | 'incomplete', reportError?: string): NightlyResult {
  return { report: testReport([], { status }), files: undefined, reportError };
}

describe('the exit status of a nightly run', () => {
  it('is 128 + the signal for an interrupted run, before anything else', () => {
    expect(exitStatus(result('interrupted', 'EACCES'), 'SIGINT')).toBe(130);
    expect(exitStatus(result('interrupted'), 'SIGTERM')).toBe(143);
    expect(signalExit('SIGINT')).toBe(130);
  });

  it('is 4 when the report could not be written, 3 when accounts are pending, 0 only when all is done', () => {
    expect(exitStatus(result('completed', 'ENOSPC'), undefined)).toBe(EXIT.reportNotWritten);
    expect(exitStatus(result('incomplete'), undefined)).toBe(EXIT.incomplete);
    expect(exitStatus(result('completed'), undefined)).toBe(EXIT.completed);
    // A signal that came after the last account was taken: the run did finish.
    expect(exitStatus(result('completed'), 'SIGINT')).toBe(0);
  });
});
