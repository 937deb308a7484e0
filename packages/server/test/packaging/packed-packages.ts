import { join } from 'node:path';
import { runOk } from './commands.js';

/** The workspaces published to npm, packed and installed together by the packaging test. */
export const PUBLISHED_WORKSPACES = ['protocol', 'client', 'react', 'widget', 'server'] as const;

export interface PackedPackage {
  name: string;
  version: string;
  /** The tarball's absolute path. */
  tarball: string;
  /** Every path in the tarball, relative to its package folder. */
  files: string[];
}

interface NpmPackEntry {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

/**
 * `npm pack` of the workspaces, as `npm publish` would pack them (their built dist/ as it is now:
 * the global setup builds first). Lifecycle scripts are skipped: none of them builds anything.
 */
export async function packWorkspaces(root: string, destination: string): Promise<PackedPackage[]> {
  const workspaces = PUBLISHED_WORKSPACES.flatMap((name) => ['--workspace', `packages/${name}`]);
  const stdout = await runOk(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', destination, ...workspaces],
    root,
    120_000,
  );
  return (JSON.parse(stdout) as NpmPackEntry[]).map((entry) => ({
    name: entry.name,
    version: entry.version,
    tarball: join(destination, entry.filename),
    files: entry.files.map((file) => file.path),
  }));
}
