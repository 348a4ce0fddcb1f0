import fc from 'fast-check';
import {
  arrayElementTypes,
  scalarTypes,
  type ParameterSpec,
  type ProcedureSpec,
  type ReturnSpec,
  type ScalarType,
  type TypeSpec,
} from './procedure-spec.js';

/** JSON without -0 and without `\u0000`, the two values jsonb cannot give back unchanged. */
const jsonValue: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 }).filter((value) => {
  const text = JSON.stringify(value);
  return (
    !text.includes('\\u0000') &&
    !JSON.stringify(value, (_, inner) => (Object.is(inner, -0) ? 'minus zero' : inner)).includes('minus zero')
  );
});

const numericText = fc
  .tuple(
    fc.boolean(),
    fc.bigInt({ min: 0n, max: 10n ** 24n }),
    fc.option(fc.stringMatching(/^[0-9]{1,8}$/), { nil: undefined }),
  )
  .map(([negative, whole, fraction]) => {
    const text = `${whole}${fraction === undefined ? '' : `.${fraction}`}`;
    // PostgreSQL has no negative zero: -0.00 reads back as 0.00.
    return negative && /[1-9]/.test(text) ? `-${text}` : text;
  });

const utcDay = fc
  .integer({ min: Date.UTC(1900, 0, 1) / 86_400_000, max: Date.UTC(2200, 0, 1) / 86_400_000 })
  .map((day) => new Date(day * 86_400_000));

const instant = fc.date({
  min: new Date('1900-01-01T00:00:00Z'),
  max: new Date('2200-01-01T00:00:00Z'),
  noInvalidDate: true,
});

/** A value of each type as the caller passes it; the echo decodes to an equal value. */
export const valueOf: Record<ScalarType, fc.Arbitrary<unknown>> = {
  text: fc.string({ maxLength: 20 }).filter((text) => !text.includes('\0')),
  varchar: fc.string({ maxLength: 20, unit: 'binary' }).filter((text) => !text.includes('\0')),
  uuid: fc.uuid(),
  int2: fc.integer({ min: -32768, max: 32767 }),
  int4: fc.integer(),
  int8: fc.maxSafeInteger(),
  float8: fc.double().filter((value) => !Object.is(value, -0)),
  numeric: numericText,
  bool: fc.boolean(),
  timestamptz: instant,
  date: utcDay,
  jsonb: jsonValue,
  bytea: fc.uint8Array({ maxLength: 16 }),
};

/** A value or NULL; array elements are never NULL, since the generated types declare non-null elements. */
export function valueFor(type: TypeSpec): fc.Arbitrary<unknown> {
  const value = valueOf[type.base];
  return fc.option(type.array ? fc.array(value, { maxLength: 4 }) : value, { nil: null, freq: 6 });
}

const typeSpec: fc.Arbitrary<TypeSpec> = fc.oneof(
  fc.constantFrom(...scalarTypes).map((base): TypeSpec => ({ base, array: false })),
  fc.constantFrom(...arrayElementTypes).map((base): TypeSpec => ({ base, array: true })),
);

/** Distinct lower-case names; the index keeps them apart and away from keywords. */
const parameters: fc.Arbitrary<ParameterSpec[]> = fc
  .tuple(fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), typeSpec), { minLength: 1, maxLength: 5 }), fc.nat())
  .map(([entries, defaultSeed]) => {
    // PostgreSQL requires every parameter after one with a default to have a default too.
    const firstDefault = entries.length - (defaultSeed % (entries.length + 1));
    return entries.map(([word, type], index) => ({
      name: `p_${word}_${index}`,
      type,
      hasDefault: index >= firstDefault,
    }));
  });

const returnSpec: fc.Arbitrary<ReturnSpec> = fc.constantFrom('table', 'scalar', 'setof', 'void');

export const procedureSpecs: fc.Arbitrary<ProcedureSpec[]> = fc
  .array(fc.tuple(parameters, returnSpec), { minLength: 1, maxLength: 3 })
  .map((entries) =>
    entries.map(([params, returns], index) => ({ name: `sp_prop_${index}`, parameters: params, returns })),
  );

/** Arguments for one call: each parameter gets a value, and a defaulted one may be left out (`omitted`; its echo is null). */
export function argumentsFor(spec: ProcedureSpec): fc.Arbitrary<unknown[]> {
  return fc.tuple(
    ...spec.parameters.map((parameter) =>
      parameter.hasDefault ? fc.oneof(fc.constant(omitted), valueFor(parameter.type)) : valueFor(parameter.type),
    ),
  );
}

export const omitted = Symbol('omitted');
