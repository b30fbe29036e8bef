import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the plain closing line CI reads: `N passed, N failed` (and `, N skipped` when any were).
 * A failed file counts as failed however it failed: its tests that did not run because of it (a
 * beforeAll that threw) are failures, not skips, and a file that failed outside any test (it did
 * not load, its worker died) counts once even when none of its tests did. In a failed file only tests
 * marked to be skipped (it.skip, it.todo, it.skipIf) count as skipped. Errors outside any file
 * count too, so a crash can never read as a pass.
 *
 * Before it, one `FAILED …` line per failure (project, file, test, the error's first line): CI keeps
 * only the tail of a long log, and .ci/run repeats these lines at its end.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0, failed = 0, skipped = 0;
    const lines: string[] = [];
    const say = (project: string, file: string, what: string, error: unknown) => {
      const message = String((error as { message?: string } | undefined)?.message ?? error ?? 'did not finish').split('\n')[0].slice(0, 300);
      lines.push(`FAILED [${project}] ${file}${what ? ` > ${what}` : ''}: ${message}`);
    };
    for (const mod of testModules) {
      const file = relative(mod.project.config.root, mod.moduleId), project = mod.project.name;
      // A file still pending or queued when the run ends crashed (its worker died).
      const fileFailed = mod.state() !== 'passed' && mod.state() !== 'skipped';
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed' || state === 'pending' || (fileFailed && test.options.mode !== 'skip' && test.options.mode !== 'todo')) {
          failedHere++;
          say(project, file, test.fullName, test.result().errors?.[0] ?? mod.errors()[0]);
        } else skipped++;
      }
      if (fileFailed && failedHere === 0) say(project, file, '', mod.errors()[0]);
      failed += fileFailed ? Math.max(failedHere, 1) : failedHere;
    }
    for (const error of unhandledErrors) say('-', '-', 'an error outside any test', error);
    failed += unhandledErrors.length;
    if (lines.length) process.stdout.write(`\n${lines.join('\n')}\n`);
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}

