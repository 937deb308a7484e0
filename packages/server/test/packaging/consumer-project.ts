import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOk } from './commands.js';
import type { PackedPackage } from './packed-packages.js';

const INSTALL_TIMEOUT_MS = 10 * 60_000;

export interface InstallReport {
  installSeconds: number;
  /** Packages with an install script and how each got its native build: reused from the workspace, or built here. */
  nativeBuilds: Record<string, 'reused' | 'built'>;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/**
 * An empty npm project that installs the tarballs (and React, the peer dependency of @tessera/react,
 * with its types, at the workspace's versions), third-party packages from the registry or the cache.
 *
 * Install scripts are skipped, then run for each package that has one, unless the workspace already
 * built the identical version: its compiled addon is copied. Compiling better-sqlite3 from source
 * (when no prebuilt binary can be downloaded) takes minutes and tests better-sqlite3, not our
 * packages. `fullInstall` runs every install script as a user's `npm install` would.
 */
export async function installConsumerProject(
  dir: string,
  root: string,
  packed: PackedPackage[],
  fullInstall: boolean,
): Promise<InstallReport> {
  const reactDevDependencies = readJson(join(root, 'packages/react/package.json')).devDependencies;
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'tessera-consumer',
      private: true,
      type: 'module',
      dependencies: Object.fromEntries(packed.map((pkg) => [pkg.name, `file:${pkg.tarball}`])),
      devDependencies: { react: reactDevDependencies.react, '@types/react': reactDevDependencies['@types/react'] },
    }),
  );
  const started = performance.now();
  const flags = ['--prefer-offline', '--no-audit', '--no-fund', ...(fullInstall ? [] : ['--ignore-scripts'])];
  await runOk('npm', ['install', ...flags], dir, INSTALL_TIMEOUT_MS);
  const nativeBuilds: InstallReport['nativeBuilds'] = {};
  if (!fullInstall) {
    for (const location of withInstallScripts(dir)) {
      const name = location.replace(/^.*node_modules\//, '');
      if (reuseWorkspaceBuild(join(root, 'node_modules', name), join(dir, location))) nativeBuilds[name] = 'reused';
      else {
        await runOk('npm', ['rebuild', name, '--no-audit', '--no-fund'], dir, INSTALL_TIMEOUT_MS);
        nativeBuilds[name] = 'built';
      }
    }
  }
  return { installSeconds: (performance.now() - started) / 1000, nativeBuilds };
}

/** The installed packages whose install script npm skipped, from the project's lockfile. */
function withInstallScripts(dir: string): string[] {
  const lock = readJson(join(dir, 'package-lock.json')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([location, entry]) => location !== '' && entry.hasInstallScript)
    .map(([location]) => location);
}

/** Copies build/Release/*.node from the workspace's copy of the same package at the same version, if it has them. */
function reuseWorkspaceBuild(workspaceCopy: string, installed: string): boolean {
  const release = join(workspaceCopy, 'build/Release');
  if (!existsSync(release) || readJson(join(workspaceCopy, 'package.json')).version !== readJson(join(installed, 'package.json')).version) {
    return false;
  }
  const addons = readdirSync(release).filter((name) => name.endsWith('.node'));
  if (addons.length === 0) return false;
  mkdirSync(join(installed, 'build/Release'), { recursive: true });
  for (const addon of addons) copyFileSync(join(release, addon), join(installed, 'build/Release', addon));
  return true;
}
