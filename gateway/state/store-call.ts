/** The records (or Redis, for coordination) cannot be reached now: callers refuse rather than guess. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** Runs one store operation, turning any driver failure into StoreUnavailableError (the original as `cause`). */
export async function storeCall<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw storeUnavailable(what, error);
  }
}

export function storeUnavailable(what: string, error: unknown): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`state store unavailable (${what}): ${message}`, { cause: error });
}
