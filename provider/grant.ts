/**
 * `npm run grant -- --role app --schema "Tenant A" [--migrate]`: the least-privilege grant step, run against
 * DATABASE_URL as the schema's owner after every migration (README, "Roles and grants").
 */
import { runGrantCommand } from './migrations/grant-command.js';

process.exitCode = await runGrantCommand(process.argv.slice(2), {
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
