import type { ErrorDetails } from '../wire.js';

/** §5.2 `error_type`: the family of a failure, with poison (Infrastructure `poison`, §3.5) apart. */
export function errorType(details: ErrorDetails): 'app_error' | 'config_error' | 'infrastructure_error' | 'poison' {
  if ('Application' in details) return 'app_error';
  if ('Configuration' in details) return 'config_error';
  if ('Poison' in details) return 'poison';
  return details.Infrastructure.operation === 'poison' ? 'poison' : 'infrastructure_error';
}

/**
 * §5.1/§5.2 `error_category`: the kind within the family (duroxide leaves its values open), so dashboards can split
 * nondeterminism from unregistered handlers, or cancellations from thrown errors.
 */
export function errorCategory(details: ErrorDetails): string {
  if ('Infrastructure' in details) return details.Infrastructure.operation;
  if ('Poison' in details) return 'poison';
  const kind = 'Application' in details ? details.Application.kind : details.Configuration.kind;
  return typeof kind === 'string' ? kind : Object.keys(kind)[0]!;
}
