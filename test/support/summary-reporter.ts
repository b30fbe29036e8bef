import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the plain closing line CI reads: `N passed, N failed` (and `, N skipped` when any were).
 * A failed file counts as failed however it failed: its tests that did not run because of it (a
 * beforeAll that threw) are failures, not skips, and a file that failed outside any test (it did
 * not load, its worker died) counts once even when none of its tests did. In a failed file only tests
 * marked to be skipped (it.skip, it.todo, it.skipIf) count as skipped. Errors outside any file
 * count too, so a crash can never read as a pass.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0, failed = 0, skipped = 0;
    for (const mod of testModules) {
      // A file still pending or queued when the run ends crashed (its worker died).
      const fileFailed = mod.state() !== 'passed' && mod.state() !== 'skipped';
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed' || state === 'pending' || (fileFailed && test.options.mode !== 'skip' && test.options.mode !== 'todo')) failedHere++;
        else skipped++;
      }
      failed += fileFailed ? Math.max(failedHere, 1) : failedHere;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}

