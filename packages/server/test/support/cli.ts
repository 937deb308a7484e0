import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** Fails the calling suite if the global setup could not build the CLI. */
export function assertBuilt(): void {
  const error = inject('buildError');
  if (error) throw new Error(error);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `tessera` command to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a CLI command that must succeed, and parses its (last line of) JSON output. */
export async function runCliJson<T = any>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const result = await runCli(args, env);
  if (result.code !== 0) throw new Error(`tessera ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
