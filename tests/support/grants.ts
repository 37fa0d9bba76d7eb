import type { Stack } from './stack.ts';
import type { Grant } from '../../gateway/state/types.ts';

/**
 * Grants a consumer the given CONDITIONAL coordinates directly in the state store, one grant per
 * resource (the test fixture path; the application workflow creates them in production).
 */
export async function grant(stack: Stack, consumer: string, coordinates: string[], options: { raw?: boolean; validForMs?: number; purpose?: string } = {}): Promise<Grant[]> {
  const model = stack.gateway.source.supergraph!.model;
  const byResource = new Map<string, string[]>();
  for (const c of coordinates) {
    const policy = model.fields.get(c);
    if (!policy) throw new Error(`unknown coordinate ${c}`);
    byResource.set(policy.resource, [...(byResource.get(policy.resource) ?? []), c]);
  }
  const created: Grant[] = [];
  for (const [resource, fields] of byResource) {
    created.push(await stack.state.grants.create({
      consumer, resource, fields, raw: options.raw ?? false, purpose: options.purpose ?? '测试',
      validUntil: new Date(Date.now() + (options.validForMs ?? 3_600_000)).toISOString(),
    }, new Date()));
  }
  return created;
}

/** Every CONDITIONAL coordinate of the model that a value-type field does not inherit. */
export function allConditional(stack: Stack): string[] {
  return [...stack.gateway.source.supergraph!.model.fields.values()]
    .filter((f) => f.shareType === 'CONDITIONAL' && !f.onValueType && !f.key).map((f) => f.coordinate);
}
