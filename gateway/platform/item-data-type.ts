import type { FieldPolicy } from '../../schema/policy-types.ts';

/**
 * 信息项数据类型 (政务信息资源目录编制指南): the catalog's data type of a field, read from its GraphQL type.
 * Enums (code lists), ID and custom scalars travel as text: 字符型. A field leading to an object is
 * described by that object's own items: 对象型, with the GraphQL type beside it in `dataType`.
 */
export type ItemDataType = 'CHARACTER' | 'INTEGER' | 'FLOAT' | 'LOGICAL' | 'OBJECT';

export const ITEM_DATA_TYPE_ZH: Readonly<Record<ItemDataType, string>> = {
  CHARACTER: '字符型', INTEGER: '整型', FLOAT: '浮点型', LOGICAL: '逻辑型', OBJECT: '对象型',
};

const BUILT_IN: Readonly<Record<string, ItemDataType>> = { Int: 'INTEGER', Float: 'FLOAT', Boolean: 'LOGICAL', String: 'CHARACTER', ID: 'CHARACTER' };

export function itemDataType(field: Pick<FieldPolicy, 'returnType' | 'returnKind'>): ItemDataType {
  if (field.returnKind === 'object' || field.returnKind === 'interface' || field.returnKind === 'union') return 'OBJECT';
  return BUILT_IN[field.returnType] ?? 'CHARACTER';
}
