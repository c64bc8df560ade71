// knex's PostgreSQL dialect, which pg-client.ts extends. knex declares no types for it; the
// shape pg-client.ts relies on is spelled out there.
declare module "knex/lib/dialects/postgres/index.js" {
  const ClientPG: unknown;
  export default ClientPG;
}
