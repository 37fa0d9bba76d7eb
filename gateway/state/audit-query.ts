import { InvalidAuditCursorError, type AuditQuery, type AuditRecord } from './types.ts';

/** The largest page the store will build, whatever the caller asked for. */
export const MAX_PAGE_SIZE = 500;

/** A cursor is the seq of the last record of the previous page; returns the exclusive upper bound (Infinity for the first page). */
export function pageUpperBound(after: string | null | undefined): number {
  if (after === undefined || after === null || after === '') return Infinity;
  if (!/^[1-9][0-9]{0,15}$/.test(after)) throw new InvalidAuditCursorError(`not an audit log cursor: ${JSON.stringify(after)}`);
  return Number(after);
}

export function pageSize(first: number): number {
  return Math.max(1, Math.min(MAX_PAGE_SIZE, Math.trunc(first) || 1));
}

/**
 * The secondary indexes a query must intersect: each names a set of records, and a record is on the query's
 * pages exactly when it is in all of them. Empty means "every record". `visible-to:<code>` holds the records
 * whose consumer is <code> or whose providers include it, so visibility is one set rather than a union.
 */
export function queryIndexes(query: AuditQuery): string[] {
  const indexes: string[] = [];
  if (query.visibleTo !== 'all') {
    // Filtering on its own consumption, everything is visible to the department anyway; filtering on
    // another consumer's, it can only see them as a provider, a smaller set than all it may see.
    if (query.consumer === undefined) indexes.push(`visible-to:${query.visibleTo}`);
    else if (query.consumer !== query.visibleTo) indexes.push(`by-provider:${query.visibleTo}`);
  }
  if (query.consumer !== undefined) indexes.push(`by-consumer:${query.consumer}`);
  if (query.resource !== undefined) indexes.push(`by-resource:${query.resource}`);
  return indexes;
}

/** Every index a record is filed under. */
export function recordIndexes(record: AuditRecord): string[] {
  const indexes = new Set<string>([`by-consumer:${record.consumer}`, `visible-to:${record.consumer}`]);
  for (const provider of record.providers) { indexes.add(`by-provider:${provider}`); indexes.add(`visible-to:${provider}`); }
  for (const resource of record.resources) indexes.add(`by-resource:${resource}`);
  return [...indexes];
}
