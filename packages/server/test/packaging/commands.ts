import { execFile } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for commands run in the consumer project: this one without the repository's
 * npm run context (npm_package_*, npm_lifecycle_*, its local prefix, INIT_CWD) and without Tessera deployment
 * settings (TESSERA_*: a suite run against PostgreSQL must not point the packed server at it).
 */
export function consumerEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(npm_package_|npm_lifecycle_|npm_command$|npm_config_local_prefix$|INIT_CWD$|TESSERA_)/i.test(name),
    ),
  );
}

/** Runs a command to completion (killed after `timeoutMs`); never rejects on a non-zero exit. */
export function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env: consumerEnvironment(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number' && !error.killed) return reject(error);
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs a command that must succeed; its stdout. */
export async function runOk(command: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  const result = await run(command, args, cwd, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code} in ${cwd}:\n${result.stdout}${result.stderr}`.slice(0, 8000));
  }
  return result.stdout;
}
