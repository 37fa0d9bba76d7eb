/** A provider on another stack (plain node:http + @apollo/subgraph): 税务局 publishing its own resource. */
export const TAX_SDL_V1 = `
  type Query { taxPayment(id: ID!): TaxPayment @share(type: UNCONDITIONAL) }
  type TaxPayment @key(fields: "id")
    @resource(code: "TAX-PAYMENT", name: "纳税缴费信息", category: DEPARTMENT, provider: "tax", updateCycle: "每月",
      summary: "企业和个人纳税缴费记录 (tax payments)") {
    id: ID! @share(type: UNCONDITIONAL)
    year: Int @share(type: UNCONDITIONAL)
    amount: Float @share(type: CONDITIONAL, condition: "用于补贴资格审核")
    auditFlag: String @share(type: NONE)
  }`;

/** v2 drops `amount`: a breaking change for anyone holding a grant on it. */
export const TAX_SDL_V2 = TAX_SDL_V1.replace('    amount: Float @share(type: CONDITIONAL, condition: "用于补贴资格审核")\n', '');

export const TAX_RESOLVERS = {
  Query: { taxPayment: (_: unknown, { id }: { id: string }) => ({ id, year: 2025, amount: 1234.5, auditFlag: '内部' }) },
  TaxPayment: { __resolveReference: (ref: { id: string }) => ({ ...ref, year: 2025, amount: 1234.5, auditFlag: '内部' }) },
};
