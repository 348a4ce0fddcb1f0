import type { Parameter } from './types.js';

/** Input arguments (IN, INOUT, VARIADIC) are what a call passes and what a routine's identity is made of. */
export const isInput = (parameter: Pick<Parameter, 'mode'>): boolean => parameter.mode !== 'out';
