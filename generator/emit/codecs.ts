import type { ScalarCodec, ValueType } from '../analyze/program.js';
import { compositeNames, enumNames } from '../analyze/program-names.js';

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
  any: { decode: 'decodeAny', encode: 'encodeAny' },
};

/**
 * Names the decoder and encoder of every value type, declaring module-level constants for arrays once per element
 * type, and records which runtime exports the module uses.
 */
export class CodecRegistry {
  readonly runtimeImports = new Set<string>();
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
        if (!this.helpers.has(name)) {
          this.helpers.set(name, `${this.runtime('arrayDecoder')}(${element}, ${value.dimensions})`);
        }
        return name;
      }
      case 'range':
        return this.rangeHelper(this.decoder(value.element), value.multirange, 'Decoder');
    }
  }

  /**
   * `const decodeIntRange = rangeDecoder(decodeInt);`. A decoder's value is printed as `Range<T>`, an encoder's as
   * `RangeInput<T>`, so each brings the runtime type its printed types name.
   */
  private rangeHelper(element: string, multirange: boolean, codec: 'Decoder' | 'Encoder'): string {
    this.runtime(codec === 'Decoder' ? 'Range' : 'RangeInput');
    const kind = multirange ? 'Multirange' : 'Range';
    const name = `${element}${kind}`;
    const factory = `${multirange ? 'multirange' : 'range'}${codec}`;
    if (!this.helpers.has(name)) this.helpers.set(name, `${this.runtime(factory)}(${element})`);
    return name;
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
        const name = `${element}Array`;
        if (!this.helpers.has(name)) this.helpers.set(name, `${this.runtime('arrayEncoder')}(${element})`);
        return name;
      }
      case 'range':
        return this.rangeHelper(this.encoder(value.element), value.multirange, 'Encoder');
    }
  }

  runtime(name: string): string {
    this.runtimeImports.add(name);
    return name;
  }
}
