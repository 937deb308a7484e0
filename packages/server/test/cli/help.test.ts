import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from '../support/cli.js';

const COMMANDS = ['init', 'start', 'origins', 'settings', 'keys', 'partners', 'audit', 'signing-key', 'cleanup', 'help'];

/** Generous: each case spawns CLI processes, slow on a loaded 2-core machine. */
const SLOW_MS = 90_000;

beforeAll(() => assertBuilt());

describe('tessera help', () => {
  it(
    'lists every command with a line each, as `tessera` alone does, and exits 0',
    async () => {
      const [help, bare] = await Promise.all([runCli(['help']), runCli([])]);
      expect(help.code).toBe(0);
      expect(help.stdout).toBe(bare.stdout);
      const listed = help.stdout
        .split('\n')
        .filter((line) => /^ {2}\S/.test(line))
        .map((line) => line.trim().split(/\s+/)[0]);
      expect(listed).toEqual(COMMANDS);
      expect(help.stdout).toContain('Run `tessera help COMMAND` or `tessera COMMAND --help`');
    },
    SLOW_MS,
  );

  it(
    "prints each command's own usage for `help COMMAND`, `COMMAND --help` and `-h` alike",
    async () => {
      const overview = (await runCli(['help'])).stdout;
      for (const command of COMMANDS) {
        const [viaHelp, viaFlag] = await Promise.all([runCli(['help', command]), runCli([command, '--help'])]);
        expect(viaHelp.code, command).toBe(0);
        expect(viaFlag.code, command).toBe(0);
        expect(viaHelp.stdout, command).toMatch(new RegExp(`^tessera ${command}\\b`));
        expect(viaFlag.stdout, command).toBe(viaHelp.stdout);
        expect(viaHelp.stdout, command).not.toBe(overview);
      }
      const short = await runCli(['origins', 'add', '-h']);
      expect(short.code).toBe(0);
      expect(short.stdout).toBe((await runCli(['help', 'origins'])).stdout);
    },
    SLOW_MS,
  );

  it(
    '`start --help` explains start and does not start a server',
    async () => {
      const result = await runCli(['start', '--help', '--port', '0'], {}, 10_000);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('--init');
      expect(result.stdout + result.stderr).not.toMatch(/listening/);
    },
    SLOW_MS,
  );

  it(
    'an unknown command, or help for one, prints the list to stderr and exits 2',
    async () => {
      for (const args of [['frobnicate'], ['help', 'frobnicate'], ['frobnicate', '--help']]) {
        const result = await runCli(args);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(/^unknown command frobnicate\n\ntessera <command> \[options\]\n/);
      }
    },
    SLOW_MS,
  );

  it(
    "an unknown action prints that command's usage and exits 2; an unknown option says so in one line",
    async () => {
      const action = await runCli(['origins', 'frob']);
      expect(action.code).toBe(2);
      expect(action.stderr).toMatch(/^unknown or incomplete: origins frob\n\ntessera origins list\n/);
      const missing = await runCli(['settings', 'set', 'limits.messagesPerMinute']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('settings set needs a PATH and a VALUE');
      // misuse is told before the data directory is opened: nothing is created
      const nowhere = join(tmpdir(), `tessera-never-made-${process.pid}`);
      for (const args of [
        ['keys', 'frob'],
        ['partners', 'remove'],
        ['origins', 'add'],
        ['settings', 'set', 'x'],
      ]) {
        const misuse = await runCli([...args, '--data', nowhere]);
        expect(misuse.code, args.join(' ')).toBe(2);
        expect(misuse.stderr, args.join(' ')).toMatch(new RegExp(`\n\ntessera ${args[0]} `));
      }
      expect(existsSync(nowhere)).toBe(false);
      const option = await runCli(['origins', 'list', '--frob']);
      expect(option.code).toBe(2);
      expect(option.stderr).toMatch(/^Unknown option '--frob'/);
      expect(option.stderr).not.toMatch(/\n\s+at /); // no stack trace
    },
    SLOW_MS,
  );
});
