import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { eventually, hasKind, useHarness, waitForHistory, waitForSubscription } from './support/harness.js';
import { registerSteps } from './support/steps.js';

const h = useHarness();

function startChild(schema: string, file: string, hangStep = ''): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support/crash-child.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: inject('databaseUrl'),
      SCHEMA: schema,
      INVOCATIONS_FILE: file,
      HANG_STEP: hangStep,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('E2E crashes', () => {
  it.each([
    ['after the subscription', ''],
    ['during Step3', 'Step3'],
  ])('E2E-48 process killed %s', async (_label, hangStep) => {
    let offset = 0;
    const clock = () => Date.now() + offset;
    const provider = await h.provider({ clock });
    const file = join(mkdtempSync(join(tmpdir(), 'crash-')), 'invocations');
    writeFileSync(file, '');
    const child = await startChild(h.tenant.name, file, hangStep);
    const rt = h.runtime(provider, { clock });
    const invocations = () => readFileSync(file, 'utf8').split('\n').filter(Boolean);
    try {
      await rt.client.startOrchestration('steps', 'Steps');
      await waitForSubscription(provider, 'steps', 'Resume');
      if (hangStep) {
        await rt.client.raiseEvent('steps', 'Resume');
        await waitForHistory(provider, 'steps', hasKind('ActivityScheduled', 3));
        await eventually(async () => (invocations().includes('Step3') ? true : undefined));
      }
    } finally {
      await killed(child);
    }
    // The dead process's locks expire: move the shared clock past them instead of waiting.
    offset += 1_100;
    let inProcess: string[] = [];
    registerSteps(rt, (step) => {
      inProcess.push(step);
      return undefined;
    });
    await rt.start();
    if (!hangStep) await rt.client.raiseEvent('steps', 'Resume');
    expect(await rt.client.waitForOrchestration('steps')).toEqual({ status: 'Completed', output: '1234' });
    const scheduled = (await provider.read('steps')).flatMap((e) =>
      'ActivityScheduled' in e ? [e.ActivityScheduled.input] : [],
    );
    expect(scheduled).toEqual(['1', '2', '3', '4']);
    const completions = (await provider.read('steps')).filter((e) => 'ActivityCompleted' in e);
    expect(completions).toHaveLength(4);
    const all = [...invocations(), ...inProcess];
    expect(all.filter((s) => s === 'Step3').length).toBeLessThanOrEqual(2);
    expect(all.filter((s) => s === 'Step1')).toHaveLength(1);
    inProcess = [];
  });
});
