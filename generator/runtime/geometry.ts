import type { Decoder } from './decoders.js';
import type { Encoder } from './encoders.js';
import { ProcedureValueError } from './procedure-error.js';

/**
 * PostgreSQL's geometric types as plain objects. Values travel as the server's text (`(1,2)`, `<(0,0),5>`), so
 * every driver gives the same result; the coordinates are float8 (NaN and ±Infinity included).
 */
export interface Point {
  x: number;
  y: number;
}
/** The line `a·x + b·y + c = 0`. */
export interface Line {
  a: number;
  b: number;
  c: number;
}
/** A line segment's two end points. */
export type LineSegment = [Point, Point];
/** A box's opposite corners, as PostgreSQL stores them: upper right, then lower left. */
export type Box = [Point, Point];
/** An open (`closed: false`) or closed path. */
export interface Path {
  closed: boolean;
  points: Point[];
}
export type Polygon = Point[];
/** As node-postgres parses a circle: the centre's coordinates and the radius. */
export interface Circle {
  x: number;
  y: number;
  radius: number;
}

const numberPattern = String.raw`\s*([+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Infinity|NaN))\s*`;
const pointPattern = String.raw`\s*\(${numberPattern},${numberPattern}\)\s*`;
const pointsPattern = `${pointPattern}(?:,${pointPattern})*`;
const pointText = new RegExp(`^${pointPattern}$`);
const lineText = new RegExp(`^\\s*\\{${numberPattern},${numberPattern},${numberPattern}\\}\\s*$`);
const segmentText = new RegExp(`^\\s*\\[${pointPattern},${pointPattern}\\]\\s*$`);
const boxText = new RegExp(`^${pointPattern},${pointPattern}$`);
const openPathText = new RegExp(`^\\s*\\[${pointsPattern}\\]\\s*$`);
const closedPathText = new RegExp(`^\\s*\\(${pointsPattern}\\)\\s*$`);
const circleText = new RegExp(`^\\s*<${pointPattern},${numberPattern}>\\s*$`);
const anyNumber = new RegExp(numberPattern.trim(), 'g');

function invalid(procedure: string, field: string, expected: string, value: unknown): never {
  const shown = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  throw new ProcedureValueError(procedure, field, `expected ${expected}, got ${typeof value} ${shown.slice(0, 80)}`);
}

function pointsOf(text: string): Point[] {
  const numbers = [...text.matchAll(anyNumber)].map((match) => Number(match[0]));
  const points: Point[] = [];
  for (let index = 0; index < numbers.length; index += 2) points.push({ x: numbers[index]!, y: numbers[index + 1]! });
  return points;
}

const isNumber = (value: unknown): value is number => typeof value === 'number';

/** A decoder for text matching `pattern`, or for the object a driver already parsed when `native` accepts it. */
function geometricDecoder<T>(
  expected: string,
  pattern: RegExp,
  read: (match: RegExpExecArray) => T,
  native?: (value: object) => T | null,
): Decoder<T> {
  return (value, procedure, field) => {
    if (typeof value === 'string') {
      const match = pattern.exec(value);
      if (match) return read(match);
    } else if (typeof value === 'object' && value !== null && native) {
      const parsed = native(value);
      if (parsed !== null) return parsed;
    }
    return invalid(procedure, field, expected, value);
  };
}

export const decodePoint: Decoder<Point> = geometricDecoder(
  'a point',
  pointText,
  (match) => ({ x: Number(match[1]), y: Number(match[2]) }),
  (value) => {
    const { x, y } = value as Partial<Point>;
    return isNumber(x) && isNumber(y) ? { x, y } : null;
  },
);

export const decodeLine: Decoder<Line> = geometricDecoder('a line', lineText, (match) => ({
  a: Number(match[1]),
  b: Number(match[2]),
  c: Number(match[3]),
}));

export const decodeLineSegment: Decoder<LineSegment> = geometricDecoder('a line segment', segmentText, (match) => {
  const [start, end] = pointsOf(match[0]);
  return [start!, end!];
});

export const decodeBox: Decoder<Box> = geometricDecoder('a box', boxText, (match) => {
  const [upperRight, lowerLeft] = pointsOf(match[0]);
  return [upperRight!, lowerLeft!];
});

const decodeOpenPath = geometricDecoder('a path', openPathText, (match) => pointsOf(match[0]));

export const decodePolygon: Decoder<Polygon> = geometricDecoder('a polygon', closedPathText, (match) =>
  pointsOf(match[0]),
);

export const decodePath: Decoder<Path> = (value, procedure, field) =>
  typeof value === 'string' && closedPathText.test(value)
    ? { closed: true, points: decodePolygon(value, procedure, field) }
    : { closed: false, points: decodeOpenPath(value, procedure, field) };

export const decodeCircle: Decoder<Circle> = geometricDecoder(
  'a circle',
  circleText,
  (match) => ({ x: Number(match[1]), y: Number(match[2]), radius: Number(match[3]) }),
  (value) => {
    const { x, y, radius } = value as Partial<Circle>;
    return isNumber(x) && isNumber(y) && isNumber(radius) ? { x, y, radius } : null;
  },
);

function pointLiteral(point: unknown, procedure: string, field: string): string {
  const { x, y } = (typeof point === 'object' && point !== null ? point : {}) as Partial<Point>;
  return isNumber(x) && isNumber(y) ? `(${x},${y})` : invalid(procedure, field, 'a point {x, y}', point);
}

function pointList(points: unknown, procedure: string, field: string, minimum: number): string {
  if (!Array.isArray(points) || points.length < minimum) {
    return invalid(procedure, field, `an array of at least ${minimum} points`, points);
  }
  return points.map((point, index) => pointLiteral(point, procedure, `${field}[${index + 1}]`)).join(',');
}

export const encodePoint: Encoder<Point> = (value, procedure, field) => pointLiteral(value, procedure, field);

export const encodeLine: Encoder<Line> = (value, procedure, field) => {
  const { a, b, c } = (typeof value === 'object' && value !== null ? value : {}) as Partial<Line>;
  return isNumber(a) && isNumber(b) && isNumber(c) ? `{${a},${b},${c}}` : invalid(procedure, field, 'a line', value);
};

const pair = (value: unknown, procedure: string, field: string, expected: string) =>
  Array.isArray(value) && value.length === 2
    ? pointList(value, procedure, field, 2)
    : invalid(procedure, field, expected, value);

export const encodeLineSegment: Encoder<LineSegment> = (value, procedure, field) =>
  `[${pair(value, procedure, field, 'a line segment [start, end]')}]`;

export const encodeBox: Encoder<Box> = (value, procedure, field) =>
  pair(value, procedure, field, 'a box [corner, opposite corner]');

export const encodePath: Encoder<Path> = (value, procedure, field) => {
  const { closed, points } = (typeof value === 'object' && value !== null ? value : {}) as Partial<Path>;
  if (typeof closed !== 'boolean') return invalid(procedure, field, 'a path {closed, points}', value);
  const list = pointList(points, procedure, `${field}.points`, 1);
  return closed ? `(${list})` : `[${list}]`;
};

export const encodePolygon: Encoder<Polygon> = (value, procedure, field) =>
  `(${pointList(value, procedure, field, 1)})`;

export const encodeCircle: Encoder<Circle> = (value, procedure, field) => {
  const { x, y, radius } = (typeof value === 'object' && value !== null ? value : {}) as Partial<Circle>;
  return isNumber(x) && isNumber(y) && isNumber(radius)
    ? `<(${x},${y}),${radius}>`
    : invalid(procedure, field, 'a circle {x, y, radius}', value);
};
