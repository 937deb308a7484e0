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

/** Runs the built `tessera` command to completion (killed after `timeoutMs`, if given: code null). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs?: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a CLI command that must succeed, and parses its (last line of) JSON output. */
export async function runCliJson<T = any>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const result = await runCli(args, env);
  if (result.code !== 0) throw new Error(`tessera ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

export interface RunningCli {
  url: string;
  /** Everything the process wrote so far, stdout and stderr. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code once the process has exited. */
  stop(): Promise<number | null>;
}

/** Starts `tessera start` on a free port and resolves once it listens. */
export function startCli(dataDir: string, env: Record<string, string> = {}, extraArgs: string[] = []): Promise<RunningCli> {
  return startCliWith(['--data', dataDir, '--port', '0', '--host', '127.0.0.1', ...extraArgs], env);
}

/** `tessera start` with exactly these arguments; resolves once it listens. */
export function startCliWith(args: string[], env: Record<string, string> = {}): Promise<RunningCli> {
  const child = spawn(process.execPath, [CLI, 'start', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tessera start did not listen:\n${output}`));
    }, 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Tessera listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match && timer) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          output: () => output,
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tessera start exited with ${code}:\n${output}`));
    });
  });
}
