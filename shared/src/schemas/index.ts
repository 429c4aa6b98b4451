/** TypeBox schemas: the one definition of each wire type. Runtime import only where validation runs (the server). */
export * from './common';
export * from './user';
export * from './restaurant';
export * from './menu';
export * from './auth';
export * from './order';
export * from './bonus';
export * from './realtime';
export * from './stats';
export * from './sync';
export * from './settings';
export * from './chat';
export * from './events';
export * from './zones';
export * from './health';
