import type { CodeBlockWriter, WriterFunction } from 'ts-morph';

/**
 * Code as the structures take it: text, or a writer for code built from parts. Writers run only when the source file
 * is created, after the runtime imports are collected, so they only write text computed beforehand: every
 * `CodecRegistry` lookup happens while the writers are built, never inside one.
 */
export type Code = string | WriterFunction;

function write(writer: CodeBlockWriter, code: Code): void {
  if (typeof code === 'string') writer.write(code);
  else code(writer);
}

/**
 * `{member, member}` with nothing between `{` and the first member: prettier keeps an object expanded when its source
 * breaks the line there, and this way it is on one line exactly when it fits.
 */
export function objectLiteral(members: readonly Code[]): WriterFunction {
  return (writer) => {
    writer.write('{');
    members.forEach((member, index) => {
      if (index > 0) writer.newLine();
      write(writer, member);
      writer.write(',');
    });
    writer.write('}');
  };
}

export function arrayLiteral(elements: readonly Code[]): WriterFunction {
  return (writer) => {
    writer.write('[');
    elements.forEach((element, index) => {
      if (index > 0) writer.write(', ');
      write(writer, element);
    });
    writer.write(']');
  };
}

/** `key: value` in an object literal. */
export function property(key: string, value: Code): WriterFunction {
  return (writer) => {
    writer.write(`${key}: `);
    write(writer, value);
  };
}

/** `code` followed by ` suffix`, e.g. an object literal with `satisfies T`. */
export function followedBy(code: Code, suffix: string): WriterFunction {
  return (writer) => {
    write(writer, code);
    writer.write(` ${suffix}`);
  };
}

/** A member with a JSDoc comment, laid out as ts-morph lays out the `docs` of a structure. */
export function documented(doc: string, member: Code): WriterFunction {
  return (writer) => {
    const lines = doc.split('\n');
    if (lines.length === 1) writer.writeLine(`/** ${doc} */`);
    else {
      writer.writeLine('/**');
      for (const line of lines) writer.writeLine(line === '' ? ' *' : ` * ${line}`);
      writer.writeLine(' */');
    }
    write(writer, member);
  };
}

/** `head {` statements `}`: a method, or any other block that is part of an expression. */
export function block(head: string, statements: readonly string[]): WriterFunction {
  return (writer) => {
    writer.write(`${head} `).inlineBlock(() => {
      for (const statement of statements) writer.writeLine(statement);
    });
  };
}
