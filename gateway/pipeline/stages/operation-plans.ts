import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { OperationAnalysis } from '../analyse.ts';
import { compileCost, type CostExpression } from '../cost.ts';
import type { RequestLimits } from '../limits.ts';

/** What a document's operation needs per request, computed once (Apollo reuses parsed documents). */
export interface OperationPlan { cost: CostExpression; analysis?: OperationAnalysis }

/**
 * Apollo hands the same parsed document to every request with the same query text (its document
 * store), and a new schema object after every swap: a plan is a pure function of the two, shared by
 * the limits stage (cost) and the analysis stage.
 */
export function operationPlans(limits: RequestLimits) {
  const plans = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, OperationPlan>>>();
  return (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): OperationPlan => {
    let bySchema = plans.get(schema);
    if (!bySchema) plans.set(schema, bySchema = new WeakMap());
    let byOperation = bySchema.get(document);
    if (!byOperation) bySchema.set(document, byOperation = new Map());
    const key = operation.name?.value ?? '';
    let plan = byOperation.get(key);
    if (!plan) byOperation.set(key, plan = { cost: compileCost(schema, document, operation, limits) });
    return plan;
  };
}
export type OperationPlans = ReturnType<typeof operationPlans>;
