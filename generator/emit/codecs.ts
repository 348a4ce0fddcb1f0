import type { ScalarCodec, ValueType } from '../analyze/program.js';
import { pascalCase } from '../analyze/naming.js';
import { compositeNames, enumNames } from '../analyze/program-names.js';
import { stringLiteral } from './template-literal.js';

/** The runtime decoder and encoder for each scalar codec. */
const scalarCodecs: Record<ScalarCodec, { decode: string; encode: string }> = {
  text: { decode: 'decodeText', encode: 'encodeText' },
  int: { decode: 'decodeInt', encode: 'encodeInt' },
  float: { decode: 'decodeFloat', encode: 'encodeFloat' },
  bool: { decode: 'decodeBool', encode: 'encodeBool' },
  int8Number: { decode: 'decodeInt8AsNumber', encode: 'encodeInt8' },
  int8BigInt: { decode: 'decodeInt8AsBigInt', encode: 'encodeInt8' },
  numericString: { decode: 'decodeNumericAsString', encode: 'encodeNumeric' },
  numericNumber: { decode: 'decodeNumericAsNumber', encode: 'encodeNumeric' },
  date: { decode: 'decodeDate', encode: 'encodeDate' },
  timestamp: { decode: 'decodeTimestamp', encode: 'encodeTimestamp' },
  timestamptz: { decode: 'decodeTimestamptz', encode: 'encodeTimestamptz' },
  interval: { decode: 'decodeInterval', encode: 'encodeText' },
  json: { decode: 'decodeJsonText', encode: 'encodeJson' },
  bytea: { decode: 'decodeBytea', encode: 'encodeBytea' },
  uuid: { decode: 'decodeUuid', encode: 'encodeText' },
  bitString: { decode: 'decodeBitString', encode: 'encodeText' },
  pgLsn: { decode: 'decodePgLsn', encode: 'encodeText' },
  money: { decode: 'decodeMoney', encode: 'encodeMoney' },
  intVector: { decode: 'decodeIntVector', encode: 'encodeIntVector' },
  // Never encoded: PostgreSQL has no input for an anonymous record, so analyze refuses record arguments.
  record: { decode: 'decodeRecord', encode: 'encodeText' },
  point: { decode: 'decodePoint', encode: 'encodePoint' },
  line: { decode: 'decodeLine', encode: 'encodeLine' },
  lineSegment: { decode: 'decodeLineSegment', encode: 'encodeLineSegment' },
  box: { decode: 'decodeBox', encode: 'encodeBox' },
  path: { decode: 'decodePath', encode: 'encodePath' },
  polygon: { decode: 'decodePolygon', encode: 'encodePolygon' },
  circle: { decode: 'decodeCircle', encode: 'encodeCircle' },
  any: { decode: 'decodeAny', encode: 'encodeAny' },
};

/** Whether a value's TypeScript form is itself an array, so an array of them must be encoded to an exact depth. */
function isArrayShaped(value: ValueType): boolean {
  if (value.kind === 'array') return true;
  if (value.kind === 'range') return value.multirange;
  return value.kind === 'scalar' && ['box', 'lineSegment', 'polygon', 'intVector', 'record'].includes(value.codec);
}

/**
 * Names the decoder and encoder of every value type, declaring module-level constants for arrays once per element
 * type, and records which runtime exports the module uses.
 */
export class CodecRegistry {
  readonly runtimeImports = new Set<string>();
  /** Codecs and types imported from `typeOverrides` modules, by module. */
  readonly moduleImports = new Map<string, { values: Set<string>; types: Set<string> }>();
  /** `const name = expression;` lines for array codecs, in first-use order. */
  readonly helpers = new Map<string, string>();

  decoder(value: ValueType, transport: 'text' | 'native' = 'text'): string {
    switch (value.kind) {
      case 'scalar': {
        const name =
          value.codec === 'json' && transport === 'native' ? 'decodeJsonValue' : scalarCodecs[value.codec].decode;
        return this.runtime(name);
      }
      case 'enum':
        return enumNames(value.typeName).decode;
      case 'composite':
        return compositeNames(value.typeName).decode;
      case 'array': {
        const element = this.decoder(value.element);
        const name = `${element}Array${value.dimensions > 1 ? value.dimensions : ''}`;
        const delimiter = value.delimiter === undefined ? '' : `, ${stringLiteral(value.delimiter)}`;
        return this.helper(name, `${this.runtime('arrayDecoder')}(${element}, ${value.dimensions}${delimiter})`);
      }
      case 'custom':
        return value.decode === null || value.module === null
          ? this.runtime('decodeAny')
          : this.imported(value.module, value.decode);
      case 'polymorphic':
        // An expression, valid where the generic method's `types` argument is in scope.
        return `${this.runtime('polymorphicDecoder')}(types.${value.family}, ${stringLiteral(value.form)})`;
      case 'range': {
        const element = this.decoder(value.element);
        const kind = value.multirange ? 'multirange' : 'range';
        return this.helper(`${element}${pascalCase(kind)}`, `${this.runtime(`${kind}Decoder`)}(${element})`);
      }
    }
  }

  encoder(value: ValueType): string {
    switch (value.kind) {
      case 'scalar':
        return this.runtime(scalarCodecs[value.codec].encode);
      case 'enum':
        return enumNames(value.typeName).encode;
      case 'composite':
        return compositeNames(value.typeName).encode;
      case 'array': {
        const element = this.encoder(value.element);
        // Elements whose own value is a JavaScript array need the exact depth; others keep the one encoder for any.
        const options = [
          ...(isArrayShaped(value.element) ? [`dimensions: ${value.dimensions}`] : []),
          ...(value.delimiter === undefined ? [] : [`delimiter: ${stringLiteral(value.delimiter)}`]),
        ];
        const name = `${element}Array${isArrayShaped(value.element) && value.dimensions > 1 ? value.dimensions : ''}`;
        const initializer = `${this.runtime('arrayEncoder')}(${element}${options.length > 0 ? `, { ${options.join(', ')} }` : ''})`;
        return this.helper(name, initializer);
      }
      case 'custom':
        return value.encode === null || value.module === null
          ? this.runtime('encodeAny')
          : this.imported(value.module, value.encode);
      case 'polymorphic':
        // Not used: the argument's `polymorphic` field makes the call take the encoder of the caller's type.
        return this.runtime('encodeAny');
      case 'range': {
        const element = this.encoder(value.element);
        const kind = value.multirange ? 'multirange' : 'range';
        return this.helper(`${element}${pascalCase(kind)}`, `${this.runtime(`${kind}Encoder`)}(${element})`);
      }
    }
  }

  /** A module-level constant built once, named after what it is built from. */
  private helper(name: string, initializer: string): string {
    if (!this.helpers.has(name)) this.helpers.set(name, initializer);
    return name;
  }

  runtime(name: string): string {
    this.runtimeImports.add(name);
    return name;
  }

  /** A name imported from a `typeOverrides` module: a codec, or a type when `type` is set. */
  imported(module: string, name: string, type = false): string {
    let imports = this.moduleImports.get(module);
    if (!imports) {
      imports = { values: new Set(), types: new Set() };
      this.moduleImports.set(module, imports);
    }
    (type ? imports.types : imports.values).add(name);
    return name;
  }
}
