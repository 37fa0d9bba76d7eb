/** The onChange listeners of one grant store. */
export class GrantChangeListeners {
  private readonly listeners = new Set<(consumer: string) => void>();

  add(listener: (consumer: string) => void): () => void {
    // Wrapped so the same function can subscribe twice and unsubscribe each registration separately.
    const registration = (consumer: string) => listener(consumer);
    this.listeners.add(registration);
    return () => { this.listeners.delete(registration); };
  }

  emit(consumer: string): void {
    for (const listener of [...this.listeners]) {
      // A listener that throws must not turn a stored change into a failed create/revoke.
      try { listener(consumer); } catch { /* the listener's own bug; the change is stored regardless */ }
    }
  }
}
