/** The shape of an action handler: one per action type (index.ts holds the table). */
import type { Action } from '../../core/types.js';
import type { RunContext } from '../context.js';
import type { Moved } from '../outcome.js';

/** Carries out one action: re-checks its precondition, applies its effect, writes its record. */
export type Handler<A extends Action> = (a: A, run: RunContext) => Promise<Moved>;

/** Every action type's handler: a type without one does not compile. */
export type HandlerTable = { readonly [K in Action['type']]: Handler<Extract<Action, { type: K }>> };
