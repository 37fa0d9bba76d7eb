/** Saved operations: the README's tour, then the platform API (catalog, me, apply). */
export interface Example { query: string; variables?: string }

export const EXAMPLES: Example[] = [
  {
    query: `# 1. 脱敏：name 为无条件共享，但按 NAME 规则脱敏 → "张*"
#    Masked: name is UNCONDITIONAL but masked with the NAME rule → "张*"
query MaskedName {
  person(idNumber: "43010219850312123X") {
    name
    birthDate
    enterprises { name creditRating }
  }
}
`,
  },
  {
    query: `# 2. 有条件共享：没有授权时整次请求被拒绝（SHARE_DENIED），错误说明向谁申请什么。
#    获批后返回脱敏值 "138****8000"；申请原始值（raw）获批后返回 "13800138000"。
#    Conditional: refused without a grant (SHARE_DENIED, naming what to apply for);
#    with a grant the masked "138****8000", with a raw grant "13800138000".
query PersonMobile {
  person(idNumber: "43010219850312123X") {
    name
    mobile
  }
}
`,
  },
  {
    query: `# 3. 比对（数据不落地）：提供方比对后只返回是否一致，不返回任何原始数据。
#    verifyPersons 为有条件共享：先申请 Query.verifyPersons。
#    Comparison: the provider compares and returns match flags only (apply for Query.verifyPersons first).
query ComparePersons {
  verifyPersons(claims: [
    { idNumber: "43010219850312123x", name: "张伟", birthDate: "1985/03/12" }
    { idNumber: "110101198001010010" }
  ]) {
    index
    found
    nameMatches
    birthDateMatches
    addressMatches
  }
}
`,
  },
  {
    query: `# 4. 资源目录：资源、信息项、共享类型、脱敏规则与共享条件（含不予共享的字段）。
#    The catalog: resources, fields, share types, masks and conditions (NONE fields included).
query Catalog($search: String) {
  catalog(search: $search) {
    code
    name
    category
    provider
    providerName
    fields { coordinate shareType mask condition compare }
  }
}
`,
    variables: '{\n  "search": "人口"\n}',
  },
  {
    query: `# 5. 当前部门、角色与持有的授权。 The calling department, its roles and grants.
query Me {
  me {
    code
    name
    roles
    grants { id resource fields raw purpose validUntil active }
  }
}
`,
  },
  {
    query: `# 6. 申请有条件共享字段；提供方须在第 5 个工作日内答复。
#    Apply for conditional fields; the provider answers by the 5th working day.
mutation ApplyForMobile {
  applyForAccess(input: {
    resource: "POP-PERSON"
    fields: ["Person.mobile"]
    purpose: "税务稽查"
  }) {
    id
    status
    deadline
  }
}
`,
  },
  {
    query: `# 7. 本部门的申请及其答复期限、是否超期。 This department's applications, deadlines, overdue flags.
query MyApplications {
  applications(as: CONSUMER) {
    id resource fields status deadline overdue reason
    grant { id validUntil raw active }
  }
}
`,
  },
];
