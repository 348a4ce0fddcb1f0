import { ProcedureValueError } from '../../../generator/runtime/index.js';

/** The codecs the `type-overrides` golden case configures for its stand-in extension type. */
export interface Geometry {
  kind: 'point';
  coordinates: [number, number];
}

export function decodeGeometry(value: unknown, procedure: string, field: string): Geometry {
  const match = typeof value === 'string' ? /^\(([^,]+),([^,]+)\)$/.exec(value) : null;
  if (!match) throw new ProcedureValueError(procedure, field, `expected a geometry, got ${String(value)}`);
  return { kind: 'point', coordinates: [Number(match[1]), Number(match[2])] };
}

export function encodeGeometry(value: Geometry): string {
  return `(${value.coordinates[0]},${value.coordinates[1]})`;
}
