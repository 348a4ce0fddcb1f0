/**
 * The id of an auto-id sub-orchestration (§1.4.2, §2.4): `${instance}::sub::${eventId}` in the first execution, as
 * duroxide builds it. Event ids restart at 1 in every execution (§2.11), so a later execution of a continued-as-new
 * parent would reuse its predecessor's child ids — and, the child being finished, receive its old outcome (§2.2)
 * instead of running a new child. Executions after the first therefore add their execution id:
 * `${instance}::sub::${executionId}.${eventId}`. The part after the last `::sub::` has a dot only in that form, so
 * the two forms never produce the same id. Replay compares auto ids by name and input only (§2.4) and keeps the
 * recorded id, so histories written with the old scheme replay unchanged.
 */
export function childInstanceId(instance: string, executionId: number, eventId: number): string {
  return executionId === 1 ? `${instance}::sub::${eventId}` : `${instance}::sub::${executionId}.${eventId}`;
}
