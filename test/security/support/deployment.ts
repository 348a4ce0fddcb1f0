import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { quoteIdentifier } from '../../../generator/runtime/quote-identifier.js';
import { grantApplicationRole } from '../../../provider/migrations/grant-application-role.js';
import { migrate } from '../../../provider/migrations/run-migrations.js';
import { createLoginRole, type LoginRole } from '../../support/login-roles.js';
import { openPool, randomSchemaName } from '../../support/tenant-schema.js';

/** One tenant as the README deploys it: a schema its owner migrated, and an application role granted on it. */
export interface Tenant {
  readonly schema: string;
  readonly quoted: string;
  /** The application role: USAGE on the schema and EXECUTE on its operations, nothing else. */
  readonly app: LoginRole;
  /** A pool connecting as the application role. */
  readonly appPool: pg.Pool;
}

export interface Deployment {
  /** A superuser pool, for planting things and looking behind the roles. */
  readonly admin: pg.Pool;
  /** The non-superuser role that owns the tenant schemas and runs the migrations and grants. */
  readonly owner: LoginRole;
  readonly ownerPool: pg.Pool;
  readonly tenants: readonly Tenant[];
  /** A LOGIN role granted nothing; dropped with the deployment. */
  newRole(label: string): Promise<LoginRole>;
}

/**
 * Registers hooks that set up `tenantCount` tenants owned by one non-superuser owner role (the schema is created for
 * it by the superuser, as a DBA would) and drop every role and schema afterwards. Roles are cluster-wide: all names
 * are random.
 */
export function useDeployment(tenantCount: number): Deployment {
  const roles: LoginRole[] = [];
  const deployment = { tenants: [] as Tenant[] } as {
    admin: pg.Pool;
    owner: LoginRole;
    ownerPool: pg.Pool;
    tenants: Tenant[];
    newRole(label: string): Promise<LoginRole>;
  };
  deployment.newRole = async (label) => {
    const role = await createLoginRole(deployment.admin, label);
    roles.unshift(role);
    return role;
  };
  beforeAll(async () => {
    deployment.admin = openPool(10);
    deployment.owner = await deployment.newRole('owner');
    deployment.ownerPool = deployment.owner.openPool({ max: 10 });
    for (let index = 0; index < tenantCount; index++) {
      const schema = randomSchemaName(`sec_${index}`);
      const quoted = quoteIdentifier(schema);
      await deployment.admin.query(`CREATE SCHEMA ${quoted} AUTHORIZATION ${quoteIdentifier(deployment.owner.name)}`);
      await migrate(deployment.ownerPool, { schema });
      const app = await deployment.newRole(`app${index}`);
      await grantApplicationRole(deployment.ownerPool, { schema, role: app.name });
      deployment.tenants.push({ schema, quoted, app, appPool: app.openPool({ max: 10 }) });
    }
  });
  afterAll(async () => {
    if (!deployment.admin) return;
    // Application roles first: dropping the owner's objects then finds no grants of theirs left.
    for (const role of roles) await role.drop();
    await deployment.admin.end();
  });
  return deployment;
}
