export { parseSources, type ParseOptions, type ParseResult, type ParserName } from './parse-sources.js';
export { conditionCodes } from './condition-codes.js';
