// Marks every diagram as a Camunda 8 (Zeebe) diagram. Camunda Modeler opens such a file in the
// same mode, and @camunda/linting picks its rule set from these two attributes.

export const EXECUTION_PLATFORM = 'Camunda Cloud';
/** The Zeebe feature level Karvon's engine follows (api-contract section 1). */
export const EXECUTION_PLATFORM_VERSION = '8.6.0';

interface Definitions {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
}

class ExecutionPlatform {
  static $inject = ['eventBus', 'bpmnjs'];

  constructor(eventBus: { on(event: string, cb: () => void): void }, bpmnjs: { getDefinitions(): Definitions | undefined }) {
    // Set at import rather than through a command: it describes the file, not an edit, and an
    // undo must not turn a Karvon diagram back into one the linter does not check.
    eventBus.on('import.done', () => {
      const definitions = bpmnjs.getDefinitions();
      if (!definitions) return;
      definitions.set('modeler:executionPlatform', EXECUTION_PLATFORM);
      definitions.set('modeler:executionPlatformVersion', EXECUTION_PLATFORM_VERSION);
      // Like every modeler, the last tool that wrote the file signs it.
      definitions.set('exporter', 'Karvon Designer');
      definitions.set('exporterVersion', '0.1.0');
    });
  }
}

export default {
  __init__: ['karvonExecutionPlatform'],
  karvonExecutionPlatform: ['type', ExecutionPlatform],
};
