import type { ActivityFn, OrchestrationFn } from './definitions.js';

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/;

/** Semver precedence: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const [, ...pa] = SEMVER.exec(a) ?? [];
  const [, ...pb] = SEMVER.exec(b) ?? [];
  for (let i = 0; i < 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return d;
  }
  const [ra, rb] = [pa[3], pb[3]];
  if (ra === rb) return 0;
  if (ra === undefined) return 1;
  if (rb === undefined) return -1;
  return ra < rb ? -1 : 1;
}

export type VersionPolicy = 'latest' | { exact: string };

export type Resolution =
  { found: true; version: string; fn: OrchestrationFn } | { found: false; requested: string | null };

function checkName(name: string): void {
  if (typeof name !== 'string' || name === '') throw new TypeError('a handler name must be a non-empty string');
  if (name.startsWith('__duroxide')) throw new TypeError(`handler names starting with __duroxide are reserved`);
}

function isGeneratorFunction(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'GeneratorFunction';
}

/** Name → semver → generator, with a per-name version policy (§2.13). */
export class Registry {
  private readonly orchestrations = new Map<string, Map<string, OrchestrationFn>>();
  private readonly activities = new Map<string, ActivityFn>();
  private readonly policies = new Map<string, VersionPolicy>();

  addOrchestration(name: string, version: string, fn: OrchestrationFn): void {
    checkName(name);
    if (!SEMVER.test(version)) throw new TypeError(`'${version}' is not a semantic version`);
    if (!isGeneratorFunction(fn)) {
      throw new TypeError(
        `orchestration '${name}' must be a generator function (function*), not an async or plain function`,
      );
    }
    const versions = this.orchestrations.get(name) ?? new Map<string, OrchestrationFn>();
    if (versions.has(version)) throw new Error(`orchestration '${name}' version ${version} is already registered`);
    versions.set(version, fn);
    this.orchestrations.set(name, versions);
  }

  addActivity(name: string, fn: ActivityFn): void {
    checkName(name);
    if (typeof fn !== 'function') throw new TypeError(`activity '${name}' must be a function`);
    if (this.activities.has(name)) throw new Error(`activity '${name}' is already registered`);
    this.activities.set(name, fn);
  }

  setPolicy(name: string, policy: VersionPolicy): void {
    this.policies.set(name, policy);
  }

  activity(name: string): ActivityFn | undefined {
    return this.activities.get(name);
  }

  /** A requested version exactly, else the name's policy. */
  resolve(name: string, requested: string | null): Resolution {
    const versions = this.orchestrations.get(name);
    const policy = this.policies.get(name) ?? 'latest';
    const wanted = requested ?? (typeof policy === 'object' ? policy.exact : null);
    if (!versions || versions.size === 0) return { found: false, requested };
    if (wanted !== null) {
      const fn = versions.get(wanted);
      return fn ? { found: true, version: wanted, fn } : { found: false, requested: wanted };
    }
    const latest = [...versions.keys()].sort(compareVersions).at(-1)!;
    return { found: true, version: latest, fn: versions.get(latest)! };
  }
}
