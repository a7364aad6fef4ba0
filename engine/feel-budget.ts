// FEEL runs synchronously inside feelin, so nothing on the event loop can interrupt a runaway
// `for i in 1..1000000000 return i` or a backtracking regex. Node's vm module can: a script run
// with `timeout` is stopped by a watchdog thread that terminates whatever JavaScript is running,
// including functions from this realm that the script calls. Starting the watchdog costs a few
// hundred microseconds, so only expressions that can iterate or backtrack pay for it.

import vm from 'node:vm';

const ITERATES_OR_BACKTRACKS = /\b(?:for|some|every|function|matches|replace|split)\b|\.\./;

/** True when an expression can take time out of proportion to its length and its inputs. */
export function needsBudget(text: string): boolean {
  return ITERATES_OR_BACKTRACKS.test(text);
}

export class BudgetExceeded extends Error {}

const sandbox = vm.createContext({ work: null as (() => unknown) | null });
const runWork = new vm.Script('work()');

export function withinBudget<T>(work: () => T, budgetMs: number): T {
  const previous = sandbox.work;
  sandbox.work = work;
  try {
    return runWork.runInContext(sandbox, { timeout: budgetMs }) as T;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new BudgetExceeded(`took longer than the ${budgetMs} ms evaluation budget (KARVON_FEEL_BUDGET_MS)`);
    }
    throw err;
  } finally {
    sandbox.work = previous;
  }
}
