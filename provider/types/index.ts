export type * from './error-details.js';
export type * from './history-event.js';
export type * from './provider-types.js';
export type * from './work-item.js';
