// given / when / then specifications for deciders, with no infrastructure:
//   spec(decider).given([events]).when(command).then([events])
// Runner-agnostic (node:assert), so any test framework can use it.
import assert from 'node:assert/strict';
import { DomainError, fold, type Decider } from './decider.js';

export function spec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(events: readonly E[]) {
      return {
        when(command: C) {
          const run = () => decider.decide(command, fold(decider, events));
          return {
            then(expected: readonly E[]): void {
              assert.deepStrictEqual(run(), expected);
            },
            thenNothingHappened(): void {
              assert.deepStrictEqual(run(), []);
            },
            thenThrows(code: string): DomainError {
              try {
                run();
              } catch (error) {
                assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
                assert.equal(error.code, code);
                return error;
              }
              assert.fail(`expected DomainError "${code}", but the command was accepted`);
            },
          };
        },
      };
    },
  };
}
