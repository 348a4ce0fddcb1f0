import type { Procedure, ReturnShape, TypeRef, UserType } from '../model/types.js';

type MapRef = (type: TypeRef) => TypeRef;

/** Every type a user type is made of: attributes, columns, a domain's base, a range's subtype. */
export function typeReferences(type: UserType): TypeRef[] {
  switch (type.kind) {
    case 'enum':
      return [];
    case 'composite':
      return type.attributes.map((attribute) => attribute.type);
    case 'table':
    case 'view':
    case 'materialized-view':
      return type.columns.flatMap((column) => (column.type ? [column.type] : []));
    case 'domain':
      return [type.baseType];
    case 'range':
      return [type.subtype];
  }
}

export function mapTypeReferences(type: UserType, map: MapRef): UserType {
  switch (type.kind) {
    case 'enum':
      return type;
    case 'composite':
      return { ...type, attributes: type.attributes.map((attribute) => ({ ...attribute, type: map(attribute.type) })) };
    case 'table':
    case 'view':
    case 'materialized-view':
      return {
        ...type,
        columns: type.columns.map((column) => ({ ...column, type: column.type && map(column.type) })),
      };
    case 'domain':
      return { ...type, baseType: map(type.baseType) };
    case 'range':
      return { ...type, subtype: map(type.subtype) };
  }
}

/** The types in a routine's signature: what PostgreSQL records it as depending on. */
export function signatureReferences(procedure: Procedure): TypeRef[] {
  const returns = procedure.returns;
  const result =
    returns.kind === 'table'
      ? returns.columns.map((column) => column.type)
      : returns.kind === 'scalar' || returns.kind === 'setof'
        ? [returns.type]
        : [];
  return [...procedure.parameters.map((parameter) => parameter.type), ...result];
}

export function mapSignatureReferences(procedure: Procedure, map: MapRef): Procedure {
  const returns: ReturnShape =
    procedure.returns.kind === 'table'
      ? { kind: 'table', columns: procedure.returns.columns.map((column) => ({ ...column, type: map(column.type) })) }
      : procedure.returns.kind === 'scalar' || procedure.returns.kind === 'setof'
        ? { kind: procedure.returns.kind, type: map(procedure.returns.type) }
        : procedure.returns;
  return {
    ...procedure,
    parameters: procedure.parameters.map((parameter) => ({ ...parameter, type: map(parameter.type) })),
    returns,
  };
}
