/**
 * The versioned control contract between cloudroofd and its clients (Electron main, the
 * `cloudroof` CLI, the web console). Pure: no Node APIs.
 */
export * from './schemas';
export * from './route-schemas';
export * from './site-schemas';
export * from './diagnostics-schemas';
export * from './doctor-schemas';
export * from './wizard-schemas';
export * from './console-schemas';
export * from './errors';
export * from './endpoints';
