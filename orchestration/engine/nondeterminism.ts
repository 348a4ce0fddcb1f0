/** Raised inside the walk; the turn fails the execution with `Configuration{Nondeterminism}` (§2.14). */
export class NondeterminismError extends Error {
  override readonly name = 'NondeterminismError';
}
