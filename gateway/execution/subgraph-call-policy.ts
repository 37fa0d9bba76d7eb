import {
  bulkhead, circuitBreaker, CircuitState, ConsecutiveBreaker, handleAll, timeout, TimeoutStrategy,
  type BulkheadPolicy, type CircuitBreakerPolicy, type TimeoutPolicy,
} from 'cockatiel';
import type { SubgraphCallLimits } from '../config.ts';

/** Consecutive failed calls (no answer, refused, reset) that open a subgraph's circuit. */
export const BREAKER_THRESHOLD = 5;
/** How long an open circuit fails calls at once before one call probes the subgraph again. */
export const BREAKER_HALF_OPEN_AFTER_MS = 3_000;

export const DEFAULT_SUBGRAPH_CALL_LIMITS: SubgraphCallLimits = { timeoutMs: 10_000, concurrency: 256, queue: 1024 };

/** Why a call was not made or not answered: what `guardedSubgraph` turns into SUBGRAPH_UNREACHABLE. */
export class SubgraphCallFailed extends Error {
  constructor(readonly subgraph: string, readonly reason: 'deadline' | 'queue full' | 'circuit open', options?: ErrorOptions) {
    super(`subgraph "${subgraph}": ${reason}`, options);
    this.name = 'SubgraphCallFailed';
  }
}

/**
 * What every call to one remote subgraph goes through (cockatiel's policies, outermost first):
 * - ONE deadline covering the wait in the queue and the answer, aborting the socket when it passes
 *   (before, a call could wait in the agent's queue for a minute and then carry an expired signature);
 * - a bounded queue in front of `concurrency` calls in flight (the agent's sockets), failing at once
 *   when full instead of growing without bound behind a stalled subgraph;
 * - a circuit breaker: after BREAKER_THRESHOLD consecutive failures, calls fail at once; after
 *   BREAKER_HALF_OPEN_AFTER_MS one call probes, and its success closes the circuit again.
 * The call itself (`attempt`) runs only once it holds a slot, so whatever it signs is signed then.
 * One per subgraph and address, kept across supergraph swaps (a swap must not reset a tripped circuit).
 */
export class SubgraphCallPolicy {
  private readonly deadline: TimeoutPolicy;
  private readonly slots: BulkheadPolicy;
  private readonly breaker: CircuitBreakerPolicy;

  constructor(readonly subgraph: string, limits: SubgraphCallLimits = DEFAULT_SUBGRAPH_CALL_LIMITS,
    breaker: { threshold: number; halfOpenAfterMs: number } = { threshold: BREAKER_THRESHOLD, halfOpenAfterMs: BREAKER_HALF_OPEN_AFTER_MS }) {
    // Aggressive: the caller is answered at the deadline even if a socket takes a moment to be torn down.
    // abortOnReturn off: aborting a finished call's controller builds a DOMException per call (1 % of the gateway's CPU).
    this.deadline = timeout(limits.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    this.slots = bulkhead(limits.concurrency, limits.queue);
    this.breaker = circuitBreaker(handleAll, { halfOpenAfter: breaker.halfOpenAfterMs, breaker: new ConsecutiveBreaker(breaker.threshold) });
  }

  get circuit(): 'closed' | 'open' | 'half-open' {
    const state = this.breaker.state;
    return state === CircuitState.Open ? 'open' : state === CircuitState.HalfOpen ? 'half-open' : 'closed';
  }

  async run<T>(attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await this.deadline.execute(({ signal }) => this.slots.execute(() => {
        // cockatiel lets other calls wait on the half-open probe; they fail at once instead, as when open.
        if (this.breaker.state === CircuitState.HalfOpen) throw new SubgraphCallFailed(this.subgraph, 'circuit open');
        return this.breaker.execute(() => attempt(signal), signal);
      }, signal), undefined);
    } catch (error) {
      throw this.explain(error);
    }
  }

  private explain(error: unknown): unknown {
    if (error instanceof SubgraphCallFailed) return error;
    const e = error as { isTaskCancelledError?: boolean; isBulkheadRejectedError?: boolean; isBrokenCircuitError?: boolean };
    if (e?.isTaskCancelledError) return new SubgraphCallFailed(this.subgraph, 'deadline', { cause: error });
    if (e?.isBulkheadRejectedError) return new SubgraphCallFailed(this.subgraph, 'queue full', { cause: error });
    if (e?.isBrokenCircuitError) return new SubgraphCallFailed(this.subgraph, 'circuit open', { cause: error });
    return error;
  }
}
