import { maskLeaf } from '../../schema/masking.ts';
import type { MaskPlanNode } from './analyse.ts';

/**
 * Desensitizes the response in place before it leaves the gateway, following the operation's mask
 * plan (response keys, so aliases and fragments are covered), at every depth and in lists of lists.
 * A mask is lifted only where the caller holds a raw grant for the governing coordinate.
 * Returns the coordinates that were masked.
 */
export function applyMasks(data: Record<string, unknown>, plan: ReadonlyMap<string, MaskPlanNode>, raw: ReadonlySet<string>): Set<string> {
  const masked = new Set<string>();
  walk(data, plan, raw, masked);
  return masked;
}

function walk(value: unknown, plan: ReadonlyMap<string, MaskPlanNode>, raw: ReadonlySet<string>, masked: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) walk(item, plan, raw, masked);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const [key, node] of plan) {
    if (!(key in record)) continue;
    let applied: string[] | null = null;
    // On an interface one response key can be several types' fields with different rules, and the
    // response does not say which type an object is: every rule not lifted applies. Each rule
    // reveals no more of its input than it was given, so applying several reveals no more than any one.
    for (const mask of node.masks) {
      if (raw.has(mask.governing)) continue;
      if (record[key] !== null && record[key] !== undefined) masked.add(mask.coordinate);
      if (applied?.includes(mask.rule)) continue;
      record[key] = maskLeaf(mask.rule, record[key]);
      (applied ??= []).push(mask.rule);
    }
    if (!applied && node.children.size > 0) walk(record[key], node.children, raw, masked);
  }
}
