export { parseSources, type ParseOptions, type ParseResult, type ParserName } from './parse-sources.js';
export { defaultPlaceholder } from './placeholder.js';
export { conditionCodes } from './condition-codes.js';
