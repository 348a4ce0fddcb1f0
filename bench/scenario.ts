/** What a scenario gets and gives back. */
import type pg from 'pg';
import type { BenchOptions } from './options.js';
import type { Progress } from './report/progress.js';
import type { Providers } from './support/providers.js';

export interface Table {
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

export interface Series {
  name: string;
  /** [x, y] */
  points: [number, number][];
}

export interface Chart {
  /** File name in the results folder, e.g. `fetch-vs-history.svg`. */
  file: string;
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  series: Series[];
}

export interface ScenarioResult {
  id: string;
  title: string;
  tables: Table[];
  charts: Chart[];
  notes: string[];
  /** Every figure measured, for the JSON file. */
  figures: unknown;
}

export interface BenchContext {
  options: BenchOptions;
  connectionString: string;
  /** Superuser-or-owner connections for seeding, settings and schemas. */
  admin: pg.Pool;
  /** One procedures and one inline provider on their own schemas, shared by every scenario (emptied between runs). */
  providers: Providers;
  progress: Progress;
  /** True when the server is the embedded one this run started (its settings may be changed). */
  ownServer: boolean;
}

export interface Scenario {
  id: string;
  /** The number for it (1–8). */
  number: number;
  title: string;
  /** How many progress steps `run` reports for these options. */
  steps(options: BenchOptions): number;
  run(context: BenchContext): Promise<ScenarioResult>;
}
