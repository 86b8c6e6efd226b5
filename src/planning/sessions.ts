/**
 * Spreading independent pieces of planning work over database sessions: the
 * one the planner holds, and more opened only for a big plan. Generic over
 * the session, so the scheduling itself can be tested without a database.
 */

/** Runs `fn` on another session, opened for it and closed after; rejects without calling `fn` when none can be opened. */
export type OpenSession<S> = <R>(fn: (session: S) => Promise<R>) => Promise<R>;

/**
 * `fn` over every item, results in the items' order, on `first` and up to
 * `sessions - 1` sessions from `open` at once, each taking the next item as
 * it finishes one. A session that cannot be opened only means fewer of them;
 * an error in `fn` stops every session from taking more, and rejects.
 */
export async function inSessions<S, T, R>(
  first: S,
  open: OpenSession<S> | undefined,
  sessions: number,
  items: readonly T[],
  fn: (session: S, item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  let failed = false;
  const drain = async (session: S) => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(session, items[i] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const others = Array.from({ length: open ? Math.max(0, Math.min(sessions, items.length) - 1) : 0 }, () => {
    let opened = false;
    return open?.(async (session) => {
      opened = true;
      await drain(session);
    }).catch((err: unknown) => {
      if (opened) throw err;
    });
  });
  await Promise.all([drain(first), ...others]);
  return out;
}
