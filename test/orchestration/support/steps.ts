import type { OrchestrationContext, Runtime } from '../../../orchestration/index.js';

/** Step1, Step2, wait Resume, Step3, Step4 → "1234" (E2E-48); `onInvoke` sees every activity invocation. */
export function registerSteps(runtime: Runtime, onInvoke: (step: string) => Promise<never> | undefined): void {
  runtime.registerActivity('Step', async (_ctx, n: number) => {
    await onInvoke(`Step${n}`);
    return String(n);
  });
  runtime.registerOrchestration('Steps', function* (ctx: OrchestrationContext) {
    let out = '';
    out += yield ctx.scheduleActivity('Step', 1);
    out += yield ctx.scheduleActivity('Step', 2);
    yield ctx.waitForEvent('Resume');
    out += yield ctx.scheduleActivity('Step', 3);
    out += yield ctx.scheduleActivity('Step', 4);
    return out;
  });
}
