import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why `npm run build` failed, or null: tests of the built CLI report it instead of running stale code. */
    buildError: string | null;
  }
}

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** Builds the packages once per run (incremental: quick when nothing changed), for tests that spawn the CLI. */
export default function setup(project: TestProject): void {
  let buildError: string | null = null;
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    buildError = `npm run build failed:\n${stdout}${stderr}`.slice(0, 4000);
  }
  project.provide('buildError', buildError);
}
