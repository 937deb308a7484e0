import { inject, it } from 'vitest';
import { chromiumMissing, SKIP_MESSAGE } from './browser.js';

/**
 * Without Chromium the suites are skipped with a clear message, except on CI
 * (which installs it): there a missing browser is a failure, not a silent skip.
 */
export function checkEnvironment(): void {
  if (chromiumMissing) {
    console.warn(SKIP_MESSAGE);
    if (process.env.CI)
      it('has Chromium on CI', () => {
        throw new Error(SKIP_MESSAGE);
      });
  }
  const buildError = inject('buildError');
  if (buildError)
    it('builds the widget', () => {
      throw new Error(buildError);
    });
}
